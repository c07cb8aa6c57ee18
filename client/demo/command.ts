import { Command } from 'commander';
import { createConnection } from 'mysql2/promise';
import { Catalog } from '../../activities/catalog/catalog';
import { parseCluster, upsertCluster } from '../../activities/catalog/clusters';
import { loadAgentConfig, loadCentralConfig, resolveSecret } from '../../activities/config/config';
import { DEV_CLUSTERS, DEV_TENANT } from '../../activities/local/dev-config';
import { DEV_PORTS, previousPorts, startStack } from '../../activities/local/stack';
import { backupWorkflowId } from '../../domain/backup';
import { baseBackupWorkflow } from '../../workflows';
import { startAgentWorker } from '../../workers/agent-worker';
import { startCentralWorkers } from '../../workers/central-worker';
import { CENTRAL_TASK_QUEUE } from '../../workers/task-queues';
import { withTemporal } from '../config';
import { DEV_CATALOG_DATABASE, printStack } from '../dev/command';
import { devStateDir } from '../dev/state-dir';

const seconds = (since: number): string => `${((Date.now() - since) / 1000).toFixed(1)}s`;

/** The main job end to end on the local stack; grows as the product does. */
export function demoCommand(): Command {
  return new Command('demo')
    .description('run the main job end to end on the local stack')
    .action(async () => {
      process.env.PITR_LOG_LEVEL ??= 'WARN';
      const stateDir = devStateDir();
      let started = Date.now();
      const stack = await startStack({ stateDir, ports: previousPorts(stateDir) ?? DEV_PORTS, catalogDatabase: DEV_CATALOG_DATABASE, persistentTemporal: true });
      printStack(stack);
      process.stdout.write(`\n1. local stack ready in ${seconds(started)}\n`);

      const central = loadCentralConfig(stack.configs.central);
      const agentConfig = loadAgentConfig(stack.configs.agents.mysql);
      const centralWorkers = await startCentralWorkers(central);
      const agent = await startAgentWorker(agentConfig);
      const running = Promise.all([centralWorkers.run(), agent.run()]);
      try {
        const catalog = Catalog.open(resolveSecret(central.catalogUrl));
        await upsertCluster(catalog, parseCluster({ tenantId: DEV_TENANT, clusterId: DEV_CLUSTERS.mysql, flavor: 'mysql', defaultEngine: 'clone' }))
          .finally(() => catalog.close());
        process.stdout.write(`2. cluster ${DEV_TENANT}/${DEV_CLUSTERS.mysql} registered; workers polling\n`);

        const db = await createConnection({ host: stack.mysql.host, port: stack.mysql.port, user: stack.mysql.user, password: stack.mysql.password });
        await db.query('CREATE DATABASE IF NOT EXISTS demo');
        await db.query('CREATE TABLE IF NOT EXISTS demo.orders (id BIGINT AUTO_INCREMENT PRIMARY KEY, committed_at DATETIME(6) NOT NULL)');
        let stop = false;
        let written = 0;
        const workload = (async () => {
          while (!stop) {
            await db.query('INSERT INTO demo.orders (committed_at) VALUES (UTC_TIMESTAMP(6))');
            written += 1;
          }
        })();

        started = Date.now();
        const result = await withTemporal(central, (client) =>
          client.workflow.execute(baseBackupWorkflow, {
            taskQueue: CENTRAL_TASK_QUEUE,
            workflowId: backupWorkflowId(DEV_TENANT, DEV_CLUSTERS.mysql, new Date()),
            args: [{ tenantId: DEV_TENANT, clusterId: DEV_CLUSTERS.mysql }],
          }),
        );
        stop = true;
        await workload;
        await db.end();
        process.stdout.write(
          [
            `3. base backup ${result.backupId} (${result.engine}) in ${seconds(started)} while ${written} orders were written`,
            `   coordinate ${result.coordinate.gtidExecuted} at ${result.coordinate.binlogFile}:${result.coordinate.binlogPosition} (from ${result.coordinate.source})`,
            `   artifact   s3://${result.artifact?.bucket}/${result.artifact?.key} (${result.artifact?.plainBytes} bytes → ${result.artifact?.storedBytes} stored)`,
            `   manifest   ${result.manifestKey} (signed, registered in the catalog)`,
            `\nIn the Temporal UI: ${stack.temporal.uiUrl ?? '(headless)'}/namespaces/default/workflows?query=${encodeURIComponent(`ClusterId="${DEV_CLUSTERS.mysql}"`)}`,
            '',
          ].join('\n'),
        );
      } finally {
        centralWorkers.shutdown();
        agent.shutdown();
        await running;
        await Promise.all([centralWorkers.close(), agent.close()]);
      }
    });
}
