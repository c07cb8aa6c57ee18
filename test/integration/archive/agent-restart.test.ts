import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Flavor } from '../../../domain/backup';
import { binlogArchiveWorkflow } from '../../../workflows';
import { CENTRAL_TASK_QUEUE } from '../../../workers/task-queues';
import { freshDbInstance } from '../../harness/instances';
import { registerTestCluster, startTestCentralWorkers, temporalClient } from '../../harness/workers';
import { archiveOf, archivedSha256, ENGINE, segmentsOf, setRpo, sql, storedBinlogObjects } from './archive-harness';

const cli = resolve(__dirname, '../../../client/cli.js');
const centralReady = startTestCentralWorkers();

/** `pitr agent` as its own process, so it can be killed like a crashed host. */
function startAgentProcess(configFile: string): ChildProcess {
  return spawn(process.execPath, [cli, 'agent', '--config', configFile], { stdio: 'ignore', env: { ...process.env } });
}

async function killed(agent: ChildProcess): Promise<void> {
  const exited = new Promise((r) => agent.once('exit', r));
  agent.kill('SIGKILL');
  await exited;
}

/** About 16 MB of incompressible rows in one binlog, so its upload at 8 MiB/s takes a few seconds. */
const BULK: Record<Flavor, string> = {
  mysql: `SET SESSION cte_max_recursion_depth = 20000;
    INSERT INTO bulk.blobs WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 16000) SELECT n, RANDOM_BYTES(1024) FROM s;`,
  mariadb: `SET SESSION max_recursive_iterations = 20000;
    INSERT INTO bulk.blobs WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 16000) SELECT n, RANDOM_BYTES(1024) FROM s;`,
};

for (const flavor of ['mysql', 'mariadb'] as const) {
  test(`${flavor}: an agent killed mid-upload resumes; the segment is archived once, whole, with nothing left behind`, async () => {
    const central = await centralReady;
    const db = await freshDbInstance(flavor);
    const conn = await sql(db);
    await conn.query(`CREATE DATABASE bulk; CREATE TABLE bulk.blobs (id INT PRIMARY KEY, b VARBINARY(1024)); ${BULK[flavor]} FLUSH BINARY LOGS;`);
    await conn.end();
    const ids = { tenantId: 't-archive', clusterId: `c-restart-${flavor}-${process.pid}`, engine: ENGINE[flavor] };
    const config = await registerTestCluster(db, ids, { throttle: { uploadMBps: 8 } });
    await setRpo(ids, flavor, 1);
    const configFile = join(config.stagingDir, '..', `${ids.clusterId}.json`);
    writeFileSync(configFile, JSON.stringify(config));

    let agent = startAgentProcess(configFile);
    const client = await temporalClient();
    const handle = await client.workflow.start(binlogArchiveWorkflow, {
      taskQueue: CENTRAL_TASK_QUEUE,
      workflowId: `archive-${ids.clusterId}`,
      args: [{ tenantId: ids.tenantId, clusterId: ids.clusterId }],
    });
    const deadline = Date.now() + 60_000;
    for (;;) {
      const pending = (await handle.describe()).raw.pendingActivities ?? [];
      if (pending.some((a) => a.activityType?.name === 'uploadSegment' && a.heartbeatDetails)) break;
      assert.ok(Date.now() < deadline, 'the upload reported progress within a minute');
      await sleep(100);
    }
    await killed(agent);
    agent = startAgentProcess(configFile);
    try {
      const result = await handle.result();
      assert.deepEqual(result.archived, ['binlog.000001']);
      const segments = segmentsOf(await archiveOf(ids));
      assert.deepEqual(segments.map((s) => [s.file, s.status]), [['binlog.000001', 'archived']]);
      assert.ok(segments[0]!.sizeBytes > 16_000_000);
      assert.equal(await archivedSha256(central, segments[0]!), segments[0]!.sha256, 'the resumed upload is the whole binlog');
      const stored = await storedBinlogObjects(central, ids, segments);
      assert.deepEqual(stored.keys, [segments[0]!.objectKey!, segments[0]!.indexKey!].sort());
      assert.equal(stored.openUploads, 0);
    } finally {
      await killed(agent);
    }
  });
}
