import type { Worker } from '@temporalio/worker';
import { createCentralArchiveActivities } from '../activities/archive/central';
import { createCentralBackupActivities } from '../activities/backup/central';
import { createVerifyActivities } from '../activities/backup/verify';
import { Catalog } from '../activities/catalog/catalog';
import { migrateCatalog } from '../activities/catalog/migrate';
import { artifactServicesFromConfig } from '../activities/config/artifact-services';
import { CentralConfig, resolveSecret } from '../activities/config/config';
import { temporalActivities } from '../activities/temporal-failure';
import { VERIFY_TASK_QUEUE } from '../domain/backup';
import { createWorker, WorkerSpec } from './create-worker';
import { CENTRAL_TASK_QUEUE } from './task-queues';

export type CentralQueue = 'central' | 'verify';

export interface RunningWorkers {
  workers: Worker[];
  /** Resolves when every worker has stopped; `shutdown()` asks them to. */
  run(): Promise<void>;
  shutdown(): void;
  close(): Promise<void>;
}

/**
 * The central worker: workflows and the activities that need only the catalog, object
 * storage and the signing key. `verify` can run on its own workers to scale validation.
 */
export async function startCentralWorkers(
  config: CentralConfig,
  queues: CentralQueue[] = ['central', 'verify'],
  bundle?: WorkerSpec['workflowBundle'],
): Promise<RunningWorkers> {
  const catalogUrl = resolveSecret(config.catalogUrl);
  await migrateCatalog(catalogUrl);
  const catalog = Catalog.open(catalogUrl);
  const services = artifactServicesFromConfig(config);
  const activitiesOf: Record<CentralQueue, object> = {
    central: temporalActivities({ ...createCentralBackupActivities(config, catalog, services), ...createCentralArchiveActivities(catalog, services) }),
    verify: temporalActivities(createVerifyActivities(config, catalog, services)),
  };
  const taskQueueOf: Record<CentralQueue, string> = { central: CENTRAL_TASK_QUEUE, verify: VERIFY_TASK_QUEUE };
  const created = await Promise.all(
    queues.map((q) =>
      createWorker({
        address: config.temporal.address,
        namespace: config.temporal.namespace,
        taskQueue: taskQueueOf[q],
        activities: activitiesOf[q],
        ...(bundle ? { workflowBundle: bundle } : {}),
      }),
    ),
  );
  const workers = created.map((c) => c.worker);
  return {
    workers,
    run: async () => {
      await Promise.all(workers.map((w) => w.run()));
    },
    shutdown: () => workers.forEach((w) => w.getState() === 'RUNNING' && w.shutdown()),
    close: async () => {
      await Promise.all(created.map((c) => c.connection.close()));
      await catalog.close();
      services.close();
    },
  };
}
