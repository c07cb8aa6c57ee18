import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadAgentConfig } from '../../../adapters/config/config';
import type { UploadedSegment } from '../../../domain/archive/types';
import { binlogArchiveWorkflow } from '../../../workflows';
import { CENTRAL_TASK_QUEUE } from '../../../domain/task-queues';
import { activityResults, finalAttempt } from '../../harness/activity-history';
import { loadIncompressibleRows } from '../../harness/data';
import { testStack } from '../../harness/env';
import { type Fault, startFaultProxy } from '../../harness/fault-proxy';
import { freshDbInstance } from '../../harness/instances';
import { startBackup, startTestCentralWorkers, startTestCluster, temporalClient } from '../../harness/workers';
import { MysqlGtidSet } from '../../../domain/gtid';
import { archiveOf, archivedSha256, binlogNames, executedGtids, segmentsOf, sql, writeAndRotate } from '../archive/archive-harness';

const centralReady = startTestCentralWorkers();

/** A backup whose agent reaches object storage only through a proxy that injects `faults`. */
async function backupThroughFaults(name: string, faults: Map<number, Fault>) {
  await centralReady;
  const db = await freshDbInstance('mysql');
  await loadIncompressibleRows(db, 12_000);
  const proxy = await startFaultProxy(testStack().s3.endpoint, faults);
  const template = loadAgentConfig(testStack().configs.agents.mysql);
  const ids = { tenantId: `t-faults-${name}`, clusterId: `c-faults-${name}-${process.pid}`, engine: 'mysqldump' as const };
  await startTestCluster(db, ids, { storage: { ...template.storage, endpoint: proxy.endpoint } });

  const { client, handle, workflowId } = await startBackup({ tenantId: ids.tenantId, clusterId: ids.clusterId });
  const result = await handle.result();
  assert.deepEqual(proxy.injected, [...faults.values()], 'every fault was injected');
  const verified = await client.workflow.getHandle(`${workflowId}-verify`).result();
  assert.equal(verified.storedSha256, result.artifact?.storedSha256, 'the stored artifact is whole and exactly what was uploaded');
  return { handle, result };
}

test('a backup completes through resets, 503 SlowDown and stalls between the agent and object storage', async () => {
  const faults = new Map<number, Fault>([
    [1, 'slow-down'],
    [2, 'reset'],
    [4, 'slow-down'],
    [5, 'stall'],
    [7, 'reset'],
    [8, 'slow-down'],
  ]);
  const { handle, result } = await backupThroughFaults('short', faults);

  const upload = await finalAttempt(handle, 'uploadArtifact');
  assert.equal(upload.attempt, 1, 'short faults are retried inside the upload, without failing it');
  const failedCalls = [...faults.values()].filter((f) => f !== 'stall').length;
  assert.equal(result.artifact?.storageRetries, failedCalls, 'the upload’s result in history counts the calls it retried');
});

test('storage failing past the upload’s own retries fails that attempt, and the next attempt completes the backup', async () => {
  // Five 503s in a row exhaust the first storage call's retries inside the activity.
  const faults = new Map<number, Fault>([1, 2, 3, 4, 5].map((n) => [n, 'slow-down']));
  const { handle, result } = await backupThroughFaults('long', faults);

  const upload = await finalAttempt(handle, 'uploadArtifact');
  assert.equal(upload.attempt, 2, 'the upload was retried as a new activity attempt, visible in history');
  assert.match(
    upload.lastFailure ?? '',
    /HTTP 503 SlowDown.*still failing after 5 attempts/,
    'the attempt’s failure says what storage answered',
  );
  assert.equal(result.artifact?.storageRetries, 0, 'the second attempt met no fault');
});

/** One archive pass of `rotations` closed binlogs, whose agent reaches object storage only through a proxy that injects `faults`. */
async function archiveThroughFaults(name: string, faults: Map<number, Fault>, rotations: number, rowsEach: number) {
  await centralReady;
  const db = await freshDbInstance('mysql');
  const proxy = await startFaultProxy(testStack().s3.endpoint, faults);
  const template = loadAgentConfig(testStack().configs.agents.mysql);
  const ids = { tenantId: 't-faults-archive', clusterId: `c-faults-${name}-${process.pid}`, engine: 'mysqldump' as const };
  await startTestCluster(db, ids, { storage: { ...template.storage, endpoint: proxy.endpoint } });
  const conn = await sql(db);
  let closed: string[];
  let executed: string;
  try {
    for (let i = 0; i < rotations; i++) await writeAndRotate(conn, rowsEach);
    closed = (await binlogNames(conn)).slice(0, -1);
    executed = await executedGtids(conn, 'mysql');
  } finally {
    await conn.end();
  }

  const client = await temporalClient();
  const handle = await client.workflow.start(binlogArchiveWorkflow, {
    taskQueue: CENTRAL_TASK_QUEUE,
    workflowId: `archive-${ids.clusterId}`,
    args: [{ tenantId: ids.tenantId, clusterId: ids.clusterId }],
  });
  const pass = await handle.result();
  assert.deepEqual(proxy.injected, [...faults.values()], 'every fault was injected');
  return { ids, handle, pass, closed, executed };
}

test('binlog archiving completes through storage faults, each segment upload’s retries in its result in history', async () => {
  const central = await centralReady;
  const faults = new Map<number, Fault>([
    [1, 'slow-down'],
    [3, 'reset'],
    [4, 'stall'],
    [6, 'slow-down'],
    [9, 'reset'],
  ]);
  const { ids, handle, pass, closed } = await archiveThroughFaults('archive', faults, 2, 20);
  assert.deepEqual(pass.archived, closed, 'every closed binlog was archived');

  const uploads = await activityResults<UploadedSegment>(handle, 'uploadSegment');
  const retried = uploads.reduce((sum, u) => sum + (u.storageRetries ?? 0), 0);
  assert.equal(
    retried,
    [...faults.values()].filter((f) => f !== 'stall').length,
    'the uploads’ results in history count the calls they retried',
  );
  const segments = segmentsOf(await archiveOf(ids));
  assert.deepEqual(
    segments.map((s) => s.file),
    closed,
  );
  for (const segment of segments) {
    assert.equal(await archivedSha256(central, segment), segment.sha256, `${segment.file} is stored whole`);
  }
});

test('an outage that fails a segment’s upload attempt does not reorder the archive: binlog order, each segment continuing the one before', async () => {
  // Five 503s in a row exhaust the first segment's first storage call's retries: that upload attempt fails.
  const faults = new Map<number, Fault>([1, 2, 3, 4, 5].map((n) => [n, 'slow-down']));
  const { ids, handle, pass, closed, executed } = await archiveThroughFaults('order', faults, 3, 5);
  const upload = await finalAttempt(handle, 'uploadSegment');
  assert.equal(upload.attempt, 2, 'the first segment’s upload failed an attempt and was retried');
  assert.match(upload.lastFailure ?? '', /HTTP 503 SlowDown.*still failing after 5 attempts/);
  assert.deepEqual(pass.archived, closed);

  const segments = segmentsOf(await archiveOf(ids));
  assert.deepEqual(
    segments.map((s) => s.file),
    closed,
    'stream order is binlog order',
  );
  assert.deepEqual(
    segments.map((s) => s.streamSeq),
    [...segments.map((s) => s.streamSeq)].sort((a, b) => a - b),
  );
  for (let i = 1; i < segments.length; i++) {
    assert.equal(
      MysqlGtidSet.parse(segments[i]!.previousGtids).toString(),
      MysqlGtidSet.parse(segments[i - 1]!.reachedGtids).toString(),
      `${segments[i]!.file} continues ${segments[i - 1]!.file}`,
    );
  }
  assert.equal(
    MysqlGtidSet.parse(segments[segments.length - 1]!.reachedGtids).toString(),
    MysqlGtidSet.parse(executed).toString(),
    'and the stream reaches every committed GTID',
  );
});
