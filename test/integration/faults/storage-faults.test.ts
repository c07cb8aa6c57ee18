import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadAgentConfig } from '../../../activities/config/config';
import { testStack } from '../../harness/env';
import { Fault, startFaultProxy } from '../../harness/fault-proxy';
import { freshDbInstance } from '../../harness/instances';
import { startBackup, startTestCentralWorkers, startTestCluster } from '../../harness/workers';
import { loadIncompressibleRows } from '../../harness/data';

const centralReady = startTestCentralWorkers();

test('a backup completes through resets, 503 SlowDown and stalls between the agent and object storage', async () => {
  await centralReady;
  const db = await freshDbInstance('mysql');
  await loadIncompressibleRows(db, 12_000);
  const faults = new Map<number, Fault>([[1, 'slow-down'], [2, 'reset'], [4, 'slow-down'], [5, 'stall'], [7, 'reset'], [8, 'slow-down']]);
  const proxy = await startFaultProxy(testStack().s3.endpoint, faults);
  const template = loadAgentConfig(testStack().configs.agents.mysql);
  const ids = { tenantId: 't-faults', clusterId: `c-faults-${process.pid}`, engine: 'mysqldump' as const };
  await startTestCluster(db, ids, { storage: { ...template.storage, endpoint: proxy.endpoint } });

  const { client, handle, workflowId } = await startBackup({ tenantId: ids.tenantId, clusterId: ids.clusterId });
  const result = await handle.result();
  assert.deepEqual(proxy.injected, [...faults.values()], 'every fault was injected');
  const verified = await client.workflow.getHandle(`${workflowId}-verify`).result();
  assert.equal(verified.storedSha256, result.artifact?.storedSha256, 'the stored artifact is whole and exactly what was uploaded');
});
