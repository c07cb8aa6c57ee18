import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { createStackCheckActivities } from '../../../devstack/stack-check-activities';
import { SEARCH_ATTRIBUTE_TYPES } from '../../../devstack/temporal-server';
import { stackCheckWorkflow } from '../../../workflows';
import { createWorker } from '../../../workers/create-worker';
import { testStack } from '../../harness/env';
import { recordHistory } from '../../harness/histories';

test('a real workflow runs its activity on the real dev server', async () => {
  const stack = testStack();
  const taskQueue = `smoke-${process.pid}`;
  const { worker, connection: workerConnection } = await createWorker({
    address: stack.temporal.address,
    namespace: stack.temporal.namespace,
    taskQueue,
    activities: createStackCheckActivities(stack.stateDir),
  });
  const connection = await Connection.connect({ address: stack.temporal.address });
  try {
    const client = new Client({ connection, namespace: stack.temporal.namespace });
    const handle = await client.workflow.start(stackCheckWorkflow, { taskQueue, workflowId: `smoke-${Date.now()}` });
    const health = await worker.runUntil(handle.result());
    await recordHistory(handle, 'stackCheckWorkflow.smoke');
    assert.deepEqual(
      health.map((h) => [h.service, h.healthy]),
      [
        ['temporal', true],
        ['minio', true],
        ['postgres', true],
        ['mysql', true],
        ['mariadb', true],
      ],
    );
    const history = await handle.fetchHistory();
    const scheduled = history.events?.filter((e) => e.activityTaskScheduledEventAttributes) ?? [];
    assert.equal(scheduled[0]?.activityTaskScheduledEventAttributes?.activityType?.name, 'checkServices');
  } finally {
    await connection.close();
    await workerConnection.close();
  }
});

test('the product search attributes are registered with their types', async () => {
  const stack = testStack();
  const connection = await Connection.connect({ address: stack.temporal.address });
  try {
    const res = await connection.operatorService.listSearchAttributes({ namespace: stack.temporal.namespace });
    const { INDEXED_VALUE_TYPE_KEYWORD: KEYWORD, INDEXED_VALUE_TYPE_DATETIME: DATETIME } = temporal.api.enums.v1.IndexedValueType;
    const expected = { TenantId: KEYWORD, ClusterId: KEYWORD, BackupPhase: KEYWORD, TargetTime: DATETIME, NoAgentPolling: KEYWORD };
    for (const [name, type] of Object.entries(expected))
      assert.equal(res.customAttributes?.[name], type, `${name} has type ${res.customAttributes?.[name]}`);
    assert.deepEqual(Object.keys(SEARCH_ATTRIBUTE_TYPES).sort(), Object.keys(expected).sort());
  } finally {
    await connection.close();
  }
});
