import { Command } from 'commander';
import { createConnection } from 'mysql2/promise';
import { setTimeout as sleep } from 'node:timers/promises';
import { Catalog } from '../../adapters/catalog/catalog';
import { parseCluster, upsertCluster } from '../../adapters/catalog/clusters';
import { loadAgentConfig, loadCentralConfig, resolveSecret } from '../../adapters/config/config';
import { signInAt } from '../../adapters/servers/db-instance';
import { DEV_CLUSTERS, DEV_TENANT } from '../../devstack/dev-config';
import { DEV_PORTS, previousPorts, startStack } from '../../devstack/stack';
import { backupWorkflowId } from '../../domain/backup';
import { baseBackupWorkflow, binlogArchiveWorkflow, releaseRestoreSignal, restoreProgressQuery } from '../../workflows';
import { startAgentWorker } from '../../workers/agent-worker';
import { startCentralWorkers } from '../../workers/central-worker';
import { CENTRAL_TASK_QUEUE } from '../../domain/task-queues';
import { withTemporal } from '../config';
import { DEV_CATALOG_DATABASE, printStack } from '../dev/command';
import { devStateDir } from '../dev/state-dir';
import { requestRestore } from '../restore/request';
import { OrderWorkload } from './workload';

const seconds = (since: number): string => `${((Date.now() - since) / 1000).toFixed(1)}s`;
const say = (line: string): void => void process.stdout.write(`${line}\n`);

/**
 * The main job end to end on the local stack: a base backup under writes, the binlog
 * archive, a point-in-time restore to an instant between two commits, and its proof.
 */
export function demoCommand(): Command {
  return new Command('demo').description('run the main job end to end on the local stack').action(async () => {
    process.env.PITR_LOG_LEVEL ??= 'WARN';
    const stateDir = devStateDir();
    let started = Date.now();
    const stack = await startStack({
      stateDir,
      ports: previousPorts(stateDir) ?? DEV_PORTS,
      catalogDatabase: DEV_CATALOG_DATABASE,
      persistentTemporal: true,
    });
    printStack(stack);
    say(`\n1. local stack ready in ${seconds(started)}`);

    const central = loadCentralConfig(stack.configs.central);
    const centralWorkers = await startCentralWorkers(central);
    const agent = await startAgentWorker(loadAgentConfig(stack.configs.agents.mysql));
    const running = Promise.all([centralWorkers.run(), agent.run()]);
    const cluster = { tenantId: DEV_TENANT, clusterId: DEV_CLUSTERS.mysql };
    try {
      const catalog = Catalog.open(resolveSecret(central.catalogUrl));
      await upsertCluster(catalog, parseCluster({ ...cluster, flavor: 'mysql', defaultEngine: 'clone' })).finally(() => catalog.close());
      say(`2. cluster ${DEV_TENANT}/${DEV_CLUSTERS.mysql} registered; central worker and agent polling`);

      const workload = await OrderWorkload.open(stack.mysql);
      workload.start();
      await withTemporal(central, async (client) => {
        started = Date.now();
        const backup = await client.workflow.execute(baseBackupWorkflow, {
          taskQueue: CENTRAL_TASK_QUEUE,
          workflowId: backupWorkflowId(DEV_TENANT, DEV_CLUSTERS.mysql, new Date()),
          args: [cluster],
        });
        say(`3. base backup (${backup.engine}) in ${seconds(started)} while orders were written: ${workload.written} so far`);
        say(`   coordinate ${backup.coordinate.gtidExecuted} (from ${backup.coordinate.source})`);
        say(
          `   artifact   s3://${backup.artifact?.bucket}/${backup.artifact?.key} (${backup.artifact?.plainBytes} → ${backup.artifact?.storedBytes} bytes), signed manifest in the catalog`,
        );

        await sleep(500);
        const mark = await workload.markInstant();
        await sleep(500);
        await workload.stop();
        say(`4. target instant ${mark.instant}: ${mark.ordersBefore} orders committed before it, ${workload.written} by the end`);

        started = Date.now();
        await workload.flushBinaryLogs();
        const pass = await client.workflow.execute(binlogArchiveWorkflow, {
          taskQueue: CENTRAL_TASK_QUEUE,
          workflowId: `archive-${DEV_TENANT}-${DEV_CLUSTERS.mysql}-${Date.now()}`,
          args: [cluster],
        });
        say(`5. binlog archive pass in ${seconds(started)}: archived ${pass.archived.join(', ') || 'nothing new'}`);

        started = Date.now();
        const { handle, restoreId } = await requestRestore(client, {
          ...cluster,
          target: { kind: 'instant', at: mark.instant },
          keepForMs: 10 * 60_000,
          idempotencyKey: `demo-${mark.instant}`,
        });
        let progress = await handle.query(restoreProgressQuery);
        while (progress.phase !== 'kept' && progress.phase !== 'failed' && progress.phase !== 'done') {
          await sleep(500);
          progress = await handle.query(restoreProgressQuery);
        }
        if (progress.phase !== 'kept' || !progress.instance)
          throw new Error(`restore ${restoreId} ended in ${progress.phase}: ${progress.error}`);
        const restored = await createConnection(signInAt(progress.instance));
        const [rows] = await restored.query('SELECT COUNT(*) AS n, COALESCE(MAX(id), 0) AS last FROM demo.orders');
        await restored.end();
        const { n, last } = (rows as Array<{ n: number; last: number }>)[0]!;
        say(
          `6. point-in-time restore ${restoreId} verified and kept in ${seconds(started)} at ${progress.instance.host}:${progress.instance.port}`,
        );
        say(`   applied through ${progress.appliedThrough}`);
        const exact = Number(n) === mark.ordersBefore && Number(last) === mark.ordersBefore;
        say(
          `   restored orders: ${n} (last id ${last}); committed before the instant: ${mark.ordersBefore} → ${exact ? 'EXACT' : 'MISMATCH'}`,
        );
        await handle.signal(releaseRestoreSignal);
        await handle.result();
        say('7. restored instance released and torn down');
        say(
          `\nIn the Temporal UI: ${stack.temporal.uiUrl ?? '(headless)'}/namespaces/default/workflows?query=${encodeURIComponent(`ClusterId="${DEV_CLUSTERS.mysql}"`)}`,
        );
        if (!exact) process.exitCode = 1;
      });
    } finally {
      centralWorkers.shutdown();
      agent.shutdown();
      await running;
      await Promise.all([centralWorkers.close(), agent.close()]);
    }
  });
}
