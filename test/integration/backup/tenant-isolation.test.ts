import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { ActivityFailure, ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { RetryState } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createConnection } from 'mysql2/promise';
import { backupWorkflowId, type BackupRef } from '../../../domain/backup';
import { baseBackupWorkflow, binlogArchiveWorkflow } from '../../../workflows';
import { agentTaskQueue, CENTRAL_TASK_QUEUE } from '../../../domain/task-queues';
import { testStack } from '../../harness/env';
import { freshDbInstance } from '../../harness/instances';
import { startTestCentralWorkers, startTestCluster, temporalClient } from '../../harness/workers';
import { prepareOnQueueWorkflow } from './foreign-ref-workflow';

const centralReady = startTestCentralWorkers();
const clusterId = `c-shared-${process.pid}`;

/** A MySQL server with one transaction of its own, so its GTID set names its server_uuid. */
async function serverWithAgent(tenantId: string): Promise<{ tenantId: string; uuid: string }> {
  const db = await freshDbInstance('mysql');
  const conn = await createConnection({ host: db.host, port: db.port, user: db.user, password: db.password });
  await conn.query('CREATE DATABASE d');
  const [rows] = await conn.query('SELECT @@global.server_uuid AS uuid');
  await conn.end();
  await startTestCluster(db, { tenantId, clusterId, engine: 'mysqldump' });
  return { tenantId, uuid: (rows as Array<{ uuid: string }>)[0]!.uuid };
}

const tenantsReady = centralReady.then(() => Promise.all([serverWithAgent('t-iso-a'), serverWithAgent('t-iso-b')]));

test('two tenants with the same cluster id: every backup and archive pass runs on its own tenant’s agent', async () => {
  const tenants = await tenantsReady;
  const client = await temporalClient();
  const runs = tenants.flatMap(({ tenantId, uuid }) =>
    [0, 1, 2].map(async (i) => {
      const result = await client.workflow.execute(baseBackupWorkflow, {
        taskQueue: CENTRAL_TASK_QUEUE,
        workflowId: `${backupWorkflowId(tenantId, clusterId, new Date())}-${i}`,
        args: [{ tenantId, clusterId, dryRun: true }],
      });
      assert.match(result.coordinate.gtidExecuted, new RegExp(`^${uuid}:1`), `a backup of ${tenantId} read ${tenantId}'s server`);
    }),
  );
  await Promise.all(runs);
  for (const { tenantId, uuid } of tenants) {
    const pass = await client.workflow.execute(binlogArchiveWorkflow, {
      taskQueue: CENTRAL_TASK_QUEUE,
      workflowId: `archive-${tenantId}-${clusterId}-isolation`,
      args: [{ tenantId, clusterId }],
    });
    assert.equal(pass.server.uuid, uuid, `the archive pass of ${tenantId} surveyed ${tenantId}'s server`);
  }
});

test('an agent handed another tenant’s work refuses it at once, for good, naming both', async () => {
  await tenantsReady;
  const stack = testStack();
  const taskQueue = `foreign-ref-${process.pid}`;
  const connection = await NativeConnection.connect({ address: stack.temporal.address });
  const worker = await Worker.create({
    connection,
    namespace: stack.temporal.namespace,
    taskQueue,
    workflowsPath: require.resolve('./foreign-ref-workflow'),
  });
  const running = worker.run();
  after(async () => {
    worker.shutdown();
    await running;
    await connection.close();
  });
  const client = await temporalClient();
  const foreign: BackupRef = { tenantId: 't-iso-intruder', clusterId, backupId: `foreign-${process.pid}`, engine: 'mysqldump' };

  const err = await client.workflow
    .execute(prepareOnQueueWorkflow, {
      taskQueue,
      workflowId: `foreign-ref-${process.pid}`,
      args: [agentTaskQueue('t-iso-a', clusterId), foreign],
    })
    .catch((e: unknown) => e);
  assert.ok(
    err instanceof WorkflowFailedError && err.cause instanceof ActivityFailure,
    `expected a refused activity, got ${err instanceof Error ? err.message : JSON.stringify(err)}`,
  );
  assert.equal(err.cause.retryState, RetryState.NON_RETRYABLE_FAILURE, 'not retried');
  const refusal = err.cause.cause;
  assert.ok(refusal instanceof ApplicationFailure);
  assert.equal(refusal.type, 'ForeignClusterError');
  assert.match(
    refusal.message,
    new RegExp(`serves tenant t-iso-a cluster ${clusterId} and refused prepareBackup for tenant t-iso-intruder cluster ${clusterId}`),
  );
});
