import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { UploadedSegment } from '../../../domain/archive/types';
import type { Flavor } from '../../../domain/backup';
import { binlogArchiveWorkflow } from '../../../workflows';
import { CENTRAL_TASK_QUEUE } from '../../../domain/task-queues';
import { activityResults, finalAttempt, isUploadingPastFirstPart } from '../../harness/activity-history';
import { withAgentHost } from '../../harness/agent-process';
import { freshDbInstance } from '../../harness/instances';
import { waitForActivity } from '../../harness/wait';
import { registerTestCluster, startTestCentralWorkers, temporalClient } from '../../harness/workers';
import { archiveOf, archivedSha256, type ClusterIds, ENGINE, segmentsOf, setRpo, sql, storedBinlogObjects } from './archive-harness';

const centralReady = startTestCentralWorkers();

/** `rows` KiB of incompressible rows in one binlog, closed. */
function bulkLoad(flavor: Flavor, rows: number): string {
  const recursion = flavor === 'mysql' ? 'cte_max_recursion_depth' : 'max_recursive_iterations';
  return `CREATE DATABASE bulk; CREATE TABLE bulk.blobs (id INT PRIMARY KEY, b VARBINARY(1024));
    SET SESSION ${recursion} = ${rows + 1000};
    INSERT INTO bulk.blobs WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < ${rows}) SELECT n, RANDOM_BYTES(1024) FROM s;
    FLUSH BINARY LOGS;`;
}

async function clusterWithOneBinlog(
  flavor: Flavor,
  name: string,
  rows: number,
  uploadMBps: number,
): Promise<{ ids: ClusterIds; configFile: string }> {
  const db = await freshDbInstance(flavor);
  const conn = await sql(db);
  await conn.query(bulkLoad(flavor, rows));
  await conn.end();
  const ids = { tenantId: 't-archive', clusterId: `c-${name}-${flavor}-${process.pid}`, engine: ENGINE[flavor] };
  const config = await registerTestCluster(db, ids, { throttle: { uploadMBps } });
  await setRpo(ids, flavor, 1);
  const configFile = join(config.stagingDir, '..', `${ids.clusterId}.json`);
  writeFileSync(configFile, JSON.stringify(config));
  return { ids, configFile };
}

async function startArchive(ids: ClusterIds) {
  const client = await temporalClient();
  return client.workflow.start(binlogArchiveWorkflow, {
    taskQueue: CENTRAL_TASK_QUEUE,
    workflowId: `archive-${ids.clusterId}`,
    args: [{ tenantId: ids.tenantId, clusterId: ids.clusterId }],
  });
}

// The cases wait mostly on heartbeat timeouts and throttled uploads, so they overlap.
describe('an agent killed mid-upload', { concurrency: true }, () => {
  for (const flavor of ['mysql', 'mariadb'] as const) {
    test(`${flavor}: an agent killed mid-upload resumes; the segment is archived once, whole, with nothing left behind`, async () => {
      const central = await centralReady;
      // About 96 MB at 2 MiB/s (47 s): the first heartbeat (at the latest at 3/4 of the 10 s heartbeat timeout) may
      // precede the first acknowledged part, and the SDK holds the next one 8 s; the one naming parts (by ~16 s) still
      // comes well before the upload ends, however quickly the rest of the test runs.
      const { ids, configFile } = await clusterWithOneBinlog(flavor, 'restart', 96_000, 2);
      await withAgentHost(configFile, async (agent) => {
        const handle = await startArchive(ids);
        await waitForActivity(handle, 'the upload to record a stored part', isUploadingPastFirstPart('uploadSegment'), 180_000);
        await agent.restart();
        const result = await handle.result();
        assert.deepEqual(result.archived, ['binlog.000001']);
        const segments = segmentsOf(await archiveOf(ids));
        assert.deepEqual(
          segments.map((s) => [s.file, s.status]),
          [['binlog.000001', 'archived']],
        );
        assert.ok(segments[0]!.sizeBytes > 96_000_000);
        assert.equal(await archivedSha256(central, segments[0]!), segments[0]!.sha256, 'the resumed upload is the whole binlog');
        const stored = await storedBinlogObjects(central, ids, segments);
        assert.deepEqual(stored.keys, [segments[0]!.objectKey!, segments[0]!.indexKey!].sort());
        assert.equal(stored.openUploads, 0);
        const [uploaded] = await activityResults<UploadedSegment>(handle, 'uploadSegment');
        assert.equal(uploaded?.resumeRejected, undefined, 'the retry used the parts the killed attempt recorded');
        assert.ok((uploaded?.partsReused ?? 0) > 0, `the retry resumed from the recorded parts (reused ${uploaded?.partsReused})`);
      });
    });
  }

  test('an upload throttled below one part per heartbeat timeout completes in its first attempt', async () => {
    await centralReady;
    // 8 MiB parts at 0.5 MiB/s take 16 s each; the upload's heartbeat timeout is 10 s.
    const { ids, configFile } = await clusterWithOneBinlog('mysql', 'slow', 10_000, 0.5);
    await withAgentHost(configFile, async () => {
      const handle = await startArchive(ids);
      const result = await handle.result();
      assert.deepEqual(result.archived, ['binlog.000001']);
      assert.equal((await finalAttempt(handle, 'uploadSegment')).attempt, 1, 'no attempt was taken for a dead worker');
    });
  });
});
