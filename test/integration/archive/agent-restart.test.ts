import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Flavor } from '../../../domain/backup';
import { binlogArchiveWorkflow } from '../../../workflows';
import { CENTRAL_TASK_QUEUE } from '../../../workers/task-queues';
import { withAgentHost } from '../../harness/agent-process';
import { freshDbInstance } from '../../harness/instances';
import { waitForActivity } from '../../harness/wait';
import { registerTestCluster, startTestCentralWorkers, temporalClient } from '../../harness/workers';
import { archiveOf, archivedSha256, ENGINE, segmentsOf, setRpo, sql, storedBinlogObjects } from './archive-harness';

const centralReady = startTestCentralWorkers();

/** About 16 MB of incompressible rows in one binlog, so its upload at 2 MiB/s takes long enough to be caught mid-way. */
const BULK: Record<Flavor, string> = {
  mysql: `SET SESSION cte_max_recursion_depth = 20000;
    INSERT INTO bulk.blobs WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 16000) SELECT n, RANDOM_BYTES(1024) FROM s;`,
  mariadb: `SET SESSION max_recursive_iterations = 20000;
    INSERT INTO bulk.blobs WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 16000) SELECT n, RANDOM_BYTES(1024) FROM s;`,
};

// The cases wait mostly on heartbeat timeouts and throttled uploads, so they overlap.
describe('an agent killed mid-upload', { concurrency: true }, () => {
  for (const flavor of ['mysql', 'mariadb'] as const) {
    test(`${flavor}: an agent killed mid-upload resumes; the segment is archived once, whole, with nothing left behind`, async () => {
      const central = await centralReady;
      const db = await freshDbInstance(flavor);
      const conn = await sql(db);
      await conn.query(`CREATE DATABASE bulk; CREATE TABLE bulk.blobs (id INT PRIMARY KEY, b VARBINARY(1024)); ${BULK[flavor]} FLUSH BINARY LOGS;`);
      await conn.end();
      const ids = { tenantId: 't-archive', clusterId: `c-restart-${flavor}-${process.pid}`, engine: ENGINE[flavor] };
      const config = await registerTestCluster(db, ids, { throttle: { uploadMBps: 2 } });
      await setRpo(ids, flavor, 1);
      const configFile = join(config.stagingDir, '..', `${ids.clusterId}.json`);
      writeFileSync(configFile, JSON.stringify(config));

      await withAgentHost(configFile, async (agent) => {
        const client = await temporalClient();
        const handle = await client.workflow.start(binlogArchiveWorkflow, {
          taskQueue: CENTRAL_TASK_QUEUE,
          workflowId: `archive-${ids.clusterId}`,
          args: [{ tenantId: ids.tenantId, clusterId: ids.clusterId }],
        });
        await waitForActivity(handle, 'the upload to report progress', (a) => a.activityType?.name === 'uploadSegment' && !!a.heartbeatDetails);
        await agent.restart();
        const result = await handle.result();
        assert.deepEqual(result.archived, ['binlog.000001']);
        const segments = segmentsOf(await archiveOf(ids));
        assert.deepEqual(segments.map((s) => [s.file, s.status]), [['binlog.000001', 'archived']]);
        assert.ok(segments[0]!.sizeBytes > 16_000_000);
        assert.equal(await archivedSha256(central, segments[0]!), segments[0]!.sha256, 'the resumed upload is the whole binlog');
        const stored = await storedBinlogObjects(central, ids, segments);
        assert.deepEqual(stored.keys, [segments[0]!.objectKey!, segments[0]!.indexKey!].sort());
        assert.equal(stored.openUploads, 0);
      });
    });
  }
});
