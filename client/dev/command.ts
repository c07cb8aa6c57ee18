import { Command } from 'commander';
import { Client, Connection } from '@temporalio/client';
import {
  DEV_PORTS,
  portsFromBase,
  previousPorts,
  readStackInfo,
  stackHealth,
  type StackInfo,
  type StackPorts,
  startStack,
  stopStack,
} from '../../devstack/stack';
import { createStackCheckActivities } from '../../devstack/stack-check-activities';
import { stackCheckTaskQueue } from '../../domain/task-queues';
import { stackCheckWorkflow } from '../../workflows';
import { createWorker } from '../../workers/create-worker';
import { devCatalogDatabase, devStateDir } from './state-dir';

export { DEV_CATALOG_DATABASE } from './state-dir';

/** An explicit base port wins; otherwise the ports of the last `up` in this state folder, else the defaults. */
function chooseDevPorts(stateDir: string, portBase: string | undefined): StackPorts {
  const base = portBase ?? process.env.PITR_DEV_PORT_BASE;
  if (base !== undefined && base !== '') return portsFromBase(Number(base));
  return previousPorts(stateDir) ?? DEV_PORTS;
}

export function printStack(info: StackInfo): void {
  const lines = [
    `Temporal    ${info.temporal.address} (namespace ${info.temporal.namespace})`,
    `Temporal UI ${info.temporal.uiUrl ?? '(headless)'}`,
    `MinIO (S3)  ${info.s3.endpoint} bucket ${info.s3.bucket} (access key ${info.s3.accessKeyId})`,
    `PostgreSQL  ${info.postgres.connectionString}`,
    `MySQL 9.7   ${info.mysql.host}:${info.mysql.port} (socket ${info.mysql.socket}, user ${info.mysql.user})`,
    `MariaDB     ${info.mariadb.host}:${info.mariadb.port} (socket ${info.mariadb.socket}, user ${info.mariadb.user})`,
    `state       ${info.stateDir}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function devCommand(): Command {
  const dev = new Command('dev').description('the local stack: Temporal, MinIO, PostgreSQL catalog, MySQL 9.7, MariaDB');
  dev
    .command('up')
    .description('start the local stack (or find it running) and print its addresses')
    .option(
      '--port-base <port>',
      'put Temporal, its UI, MinIO, its console, MySQL and MariaDB on port..port+5 (also PITR_DEV_PORT_BASE; default: the last ports used, else 7233, 8233, 9000, 9001, 33097, 33110)',
    )
    .action(async (options: { portBase?: string }) => {
      const stateDir = devStateDir();
      const info = await startStack({
        stateDir,
        ports: chooseDevPorts(stateDir, options.portBase),
        catalogDatabase: devCatalogDatabase(),
        persistentTemporal: true,
      });
      printStack(info);
    });
  dev
    .command('down')
    .description('stop exactly the processes `pitr dev up` started; data is kept for the next `up`')
    .action(async () => {
      await stopStack(devStateDir());
      process.stdout.write('local stack stopped\n');
    });
  dev
    .command('status')
    .description('health of every service of the local stack')
    .option('--json', 'one JSON array')
    .action(async (options: { json?: boolean }) => {
      const health = await stackHealth(devStateDir());
      if (options.json) process.stdout.write(`${JSON.stringify(health)}\n`);
      else for (const h of health) process.stdout.write(`${h.healthy ? 'up  ' : 'DOWN'}  ${h.service.padEnd(12)} ${h.address}\n`);
      if (health.some((h) => !h.healthy)) process.exitCode = 1;
    });
  dev
    .command('check')
    .description('run a workflow whose activity checks every service from a worker: the whole Temporal loop')
    .action(async () => {
      process.env.PITR_LOG_LEVEL ??= 'WARN';
      const stateDir = devStateDir();
      const stack = readStackInfo(stateDir);
      const taskQueue = stackCheckTaskQueue(process.pid);
      const { worker, connection: workerConnection } = await createWorker({
        address: stack.temporal.address,
        namespace: stack.temporal.namespace,
        taskQueue,
        activities: createStackCheckActivities(stateDir),
      });
      const connection = await Connection.connect({ address: stack.temporal.address });
      try {
        const client = new Client({ connection, namespace: stack.temporal.namespace });
        const health = await worker.runUntil(
          client.workflow.execute(stackCheckWorkflow, { taskQueue, workflowId: `${taskQueue}-${Date.now()}` }),
        );
        for (const h of health) process.stdout.write(`${h.healthy ? 'up  ' : 'DOWN'}  ${h.service.padEnd(12)} ${h.address}\n`);
        if (health.some((h) => !h.healthy)) process.exitCode = 1;
      } finally {
        await connection.close();
        await workerConnection.close();
      }
    });
  return dev;
}
