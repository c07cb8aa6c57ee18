import { createAgentQueueActivities } from '../activities/agent-queue/watch-activities';
import { createCentralArchiveActivities } from '../activities/archive/central-activities';
import { createArchivePassActivities } from '../activities/archive/pass-outcome';
import { createCentralBackupActivities } from '../activities/backup/central-activities';
import { createVerifyActivities } from '../activities/backup/verify-activities';
import { Catalog } from '../adapters/catalog/catalog';
import { migrateCatalog } from '../adapters/catalog/migrate';
import { artifactServicesFromConfig } from '../adapters/config/artifact-services';
import { type CentralConfig, resolveSecret } from '../adapters/config/config';
import { createCentralRestoreActivities } from '../activities/restore/activities';
import { createRetentionActivities } from '../activities/retention/activities';
import { temporalActivities } from '../activities/temporal-failure';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createWorker, type RunningWorkers, runningWorkers, type WorkerSpec } from './create-worker';
import { startRestoreHost } from './restore-worker';
import { CENTRAL_TASK_QUEUE, VERIFY_TASK_QUEUE, WATCH_TASK_QUEUE } from '../domain/task-queues';

export type CentralQueue = 'central' | 'verify' | 'restore';

/** Runs whose agent queues one process can watch at once: a watcher mostly sleeps between its checks. */
const WATCHER_SLOTS = 1000;

export function restoreRoot(): string {
  return process.env.PITR_RESTORE_DIR ?? join(tmpdir(), 'pitr-restores');
}

/**
 * The central worker: workflows and the activities that need only the catalog, object
 * storage and the signing key. `verify` can run on its own workers to scale validation.
 * `restore` makes this process a restore host (see `startRestoreHost`): restored instances run
 * as local processes under `restoreHost.dir` (else PITR_RESTORE_DIR, else the system temp
 * folder), so it needs the MySQL/MariaDB binaries.
 */
export async function startCentralWorkers(
  config: CentralConfig,
  queues: CentralQueue[] = ['central', 'verify', 'restore'],
  bundle?: WorkerSpec['workflowBundle'],
): Promise<RunningWorkers> {
  const catalogUrl = resolveSecret(config.catalogUrl);
  await migrateCatalog(catalogUrl);
  const catalog = Catalog.open(catalogUrl);
  const services = artifactServicesFromConfig(config);
  const activitiesOf: Record<Exclude<CentralQueue, 'restore'>, object> = {
    central: temporalActivities({
      ...createCentralBackupActivities(config, catalog, services),
      ...createCentralArchiveActivities(catalog, services),
      ...createArchivePassActivities(catalog),
      ...createCentralRestoreActivities(catalog, services),
      ...createRetentionActivities(catalog, services),
    }),
    verify: temporalActivities(createVerifyActivities(config, catalog, services)),
  };
  const taskQueueOf: Record<Exclude<CentralQueue, 'restore'>, string> = { central: CENTRAL_TASK_QUEUE, verify: VERIFY_TASK_QUEUE };
  const restoreHost = queues.includes('restore')
    ? await startRestoreHost(config, services, config.restoreHost?.dir ?? restoreRoot())
    : undefined;
  const created = await Promise.all([
    ...queues.flatMap((q) =>
      q === 'restore'
        ? []
        : [
            createWorker({
              address: config.temporal.address,
              namespace: config.temporal.namespace,
              taskQueue: taskQueueOf[q],
              activities: activitiesOf[q],
              ...(bundle ? { workflowBundle: bundle } : {}),
            }),
          ],
    ),
    // Beside the workflows they watch for: a run whose watcher is not polled would say nothing.
    ...(queues.includes('central')
      ? [
          createWorker({
            address: config.temporal.address,
            namespace: config.temporal.namespace,
            taskQueue: WATCH_TASK_QUEUE,
            activities: temporalActivities(createAgentQueueActivities()),
            activitiesOnly: true,
            maxConcurrentActivityTaskExecutions: WATCHER_SLOTS,
          }),
        ]
      : []),
  ]);
  return runningWorkers([...created, ...(restoreHost?.created ?? [])], async () => {
    await restoreHost?.close();
    await catalog.close();
    services.close();
  });
}
