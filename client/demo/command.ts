import { Client, Connection } from '@temporalio/client';
import { Command } from 'commander';
import { DEV_PORTS, previousPorts, startStack } from '../../activities/local/stack';
import { createStackCheckActivities } from '../../activities/stack-check';
import { stackCheckWorkflow } from '../../workflows';
import { createWorker } from '../../workers/create-worker';
import { CENTRAL_TASK_QUEUE } from '../../workers/task-queues';
import { DEV_CATALOG_DATABASE, printStack } from '../dev/command';
import { devStateDir } from '../dev/state-dir';

/** The main job end to end on the local stack; grows as the product does. */
export function demoCommand(): Command {
  return new Command('demo')
    .description('run the main job end to end on the local stack')
    .action(async () => {
      const stateDir = devStateDir();
      const started = Date.now();
      const stack = await startStack({ stateDir, ports: previousPorts(stateDir) ?? DEV_PORTS, catalogDatabase: DEV_CATALOG_DATABASE, persistentTemporal: true });
      printStack(stack);
      process.stdout.write(`stack ready in ${((Date.now() - started) / 1000).toFixed(1)}s\n`);

      const { worker, connection: workerConnection } = await createWorker({
        address: stack.temporal.address,
        namespace: stack.temporal.namespace,
        taskQueue: CENTRAL_TASK_QUEUE,
        activities: createStackCheckActivities(stateDir),
      });
      const connection = await Connection.connect({ address: stack.temporal.address });
      try {
        const client = new Client({ connection, namespace: stack.temporal.namespace });
        const health = await worker.runUntil(
          client.workflow.execute(stackCheckWorkflow, { taskQueue: CENTRAL_TASK_QUEUE, workflowId: `stack-check-${Date.now()}` }),
        );
        for (const h of health) process.stdout.write(`${h.healthy ? 'up  ' : 'DOWN'}  ${h.service.padEnd(12)} ${h.address}\n`);
        if (health.some((h) => !h.healthy)) process.exitCode = 1;
        if (stack.temporal.uiUrl) process.stdout.write(`workflow history: ${stack.temporal.uiUrl}/namespaces/default/workflows\n`);
      } finally {
        await connection.close();
        await workerConnection.close();
      }
    });
}
