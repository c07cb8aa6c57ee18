import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import type { NativeConnection, Worker } from '@temporalio/worker';
import type { ArtifactServices } from '../adapters/artifact/services';
import type { CentralConfig } from '../adapters/config/config';
import { createHostRestoreActivities } from '../activities/restore/activities';
import { sweepOrphans } from '../activities/restore/orphans';
import { LocalProcessProvisioner } from '../activities/restore/provisioner';
import { RestoreHost } from '../activities/restore/restore-host';
import { restoreHostServers } from '../activities/restore/server-releases';
import { temporalActivities } from '../activities/temporal-failure';
import { PitrError } from '../domain/errors';
import { LEGACY_RESTORE_TASK_QUEUE, restoreReleaseQueue } from '../domain/task-queues';
import { createWorker } from './create-worker';

const DEFAULT_MAX_INSTANCES = 8;
const DEFAULT_SWEEP_SECONDS = 300;

/** A restore host with neither a MySQL nor a MariaDB server binary can run no restore. */
export class NoServerBinaryError extends PitrError {
  constructor() {
    super('this restore host has no mysqld or mariadbd: it can run no restore', {
      hint: 'install the server release of the backups it restores and name it in restoreHost.servers (or leave `restore` out of --queue on this host)',
      terminal: true,
    });
  }
}

/** Unique per host and folder, the same across restarts: two hosts on one machine differ by their folders. */
function defaultHostId(root: string): string {
  const name = hostname().replace(/[^A-Za-z0-9._-]/g, '_');
  return `${name}-${createHash('sha256').update(root).digest('hex').slice(0, 8)}`;
}

function say(message: string): void {
  process.stderr.write(`pitr: ${message}\n`);
}

/**
 * A restore host: polls the shared queue of each server release its binaries run, where it
 * claims new restores, and its own queue, where every later step of the restores it claimed
 * arrives (and the one shared queue of restores started before either existed). At start and
 * every `sweepSeconds` it removes the instances no running restore owns.
 */
export async function startRestoreHost(
  config: CentralConfig,
  services: Pick<ArtifactServices, 'store' | 'keys'>,
  root: string,
): Promise<{ created: Array<{ worker: Worker; connection: NativeConnection }>; close: () => Promise<void> }> {
  const settings = config.restoreHost ?? {};
  const servers = await restoreHostServers(settings);
  if (servers.length === 0) throw new NoServerBinaryError();
  const host = new RestoreHost(settings.id ?? defaultHostId(root), root, {
    maxInstances: settings.maxInstances ?? DEFAULT_MAX_INSTANCES,
    maxDiskBytes: settings.maxDiskGiB === undefined ? null : settings.maxDiskGiB * 2 ** 30,
  });
  const provisioner = new LocalProcessProvisioner(root, servers);

  const connection = await Connection.connect({ address: config.temporal.address });
  const client = new Client({ connection, namespace: config.temporal.namespace });
  const isRunning = async (restoreId: string): Promise<boolean> => {
    try {
      return (await client.workflow.getHandle(restoreId).describe()).status.name === 'RUNNING';
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  };
  const sweep = async (): Promise<void> => {
    try {
      await sweepOrphans(host, provisioner, isRunning, say);
    } catch (err) {
      say(
        `restore host ${host.id} could not sweep its restore folder ${root} (next try in ${settings.sweepSeconds ?? DEFAULT_SWEEP_SECONDS}s): ${(err as Error).message}`,
      );
    }
  };
  await sweep();
  let sweeping = Promise.resolve();
  const timer = setInterval(() => (sweeping = sweeping.then(sweep)), (settings.sweepSeconds ?? DEFAULT_SWEEP_SECONDS) * 1000);

  const activities = temporalActivities(createHostRestoreActivities(config, services, provisioner, host));
  const queues = [...servers.map((s) => restoreReleaseQueue(s.flavor, s.release)), host.taskQueue, LEGACY_RESTORE_TASK_QUEUE];
  say(`restore host ${host.id} (${root}) polls ${queues.join(', ')}`);
  const created = await Promise.all(
    queues.map((taskQueue) =>
      createWorker({ address: config.temporal.address, namespace: config.temporal.namespace, taskQueue, activities, activitiesOnly: true }),
    ),
  );
  return {
    created,
    close: async () => {
      clearInterval(timer);
      await sweeping;
      await connection.close();
    },
  };
}
