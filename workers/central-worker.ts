import { createAgentQueueActivities } from '../activities/agent-queue/watch';
import { createCentralArchiveActivities } from '../activities/archive/central';
import { createArchivePassActivities } from '../activities/archive/pass-outcome';
import { createCentralBackupActivities } from '../activities/backup/central';
import { createVerifyActivities } from '../activities/backup/verify';
import { Catalog } from '../activities/catalog/catalog';
import { migrateCatalog } from '../activities/catalog/migrate';
import { artifactServicesFromConfig } from '../activities/config/artifact-services';
import { CentralConfig, resolveSecret } from '../activities/config/config';
import { createCentralRestoreActivities, createHostRestoreActivities } from '../activities/restore/activities';
import { LocalProcessProvisioner } from '../activities/restore/provisioner';
import { createRetentionActivities } from '../activities/retention/activities';
import { temporalActivities } from '../activities/temporal-failure';
import { VERIFY_TASK_QUEUE } from '../domain/backup';
import { RESTORE_TASK_QUEUE } from '../domain/restore/workflow-types';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createWorker, RunningWorkers, runningWorkers, WorkerSpec } from './create-worker';
import { CENTRAL_TASK_QUEUE, WATCH_TASK_QUEUE } from './task-queues';

export type CentralQueue = 'central' | 'verify' | 'restore';

/** Runs whose agent queues one process can watch at once: a watcher mostly sleeps between its checks. */
const WATCHER_SLOTS = 1000;

export function restoreRoot(): string {
  return process.env.PITR_RESTORE_DIR ?? join(tmpdir(), 'pitr-restores');
}

/**
 * The central worker: workflows and the activities that need only the catalog, object
 * storage and the signing key. `verify` can run on its own workers to scale validation.
 * `restore` runs restored instances as local processes (under PITR_RESTORE_DIR, default the
 * system temp folder), so it needs a host with the MySQL/MariaDB binaries; until restore hosts
 * have a worker of their own, the central worker process serves it.
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
  const activitiesOf: Record<CentralQueue, object> = {
    central: temporalActivities({ ...createCentralBackupActivities(config, catalog, services), ...createCentralArchiveActivities(catalog, services), ...createArchivePassActivities(catalog), ...createCentralRestoreActivities(catalog, services), ...createRetentionActivities(catalog, services) }),
    verify: temporalActivities(createVerifyActivities(config, catalog, services)),
    restore: temporalActivities(createHostRestoreActivities(config, services, new LocalProcessProvisioner(restoreRoot()))),
  };
  const taskQueueOf: Record<CentralQueue, string> = { central: CENTRAL_TASK_QUEUE, verify: VERIFY_TASK_QUEUE, restore: RESTORE_TASK_QUEUE };
  const created = await Promise.all([
    ...queues.map((q) =>
      createWorker({
        address: config.temporal.address,
        namespace: config.temporal.namespace,
        taskQueue: taskQueueOf[q],
        activities: activitiesOf[q],
        // Workflows run on the central queue only.
        activitiesOnly: q === 'restore',
        ...(bundle ? { workflowBundle: bundle } : {}),
      }),
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
  return runningWorkers(created, async () => {
    await catalog.close();
    services.close();
  });
}
