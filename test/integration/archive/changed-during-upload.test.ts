import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { BinlogRewrittenError } from '../../../activities/archive/errors';
import { freshDbInstance } from '../../harness/instances';
import { startTestCentralWorkers, startTestCluster, temporalClient } from '../../harness/workers';
import {
  alertsOf,
  archiveOf,
  archivePass,
  ENGINE,
  inspectMysqlBinlog,
  segmentsOf,
  setRpo,
  sql,
  uploadBinlog,
  withCentralActivities,
  writeAndRotate,
} from './archive-harness';

const centralReady = startTestCentralWorkers();

test('mysql: a binlog whose bytes changed between inspection and upload is refused at registration with a binlog-rewritten alert', async () => {
  const central = await centralReady;
  const db = await freshDbInstance('mysql');
  const ids = { tenantId: 't-archive', clusterId: `c-changed-${process.pid}`, engine: ENGINE.mysql };
  await startTestCluster(db, ids);
  await setRpo(ids, 'mysql', 1);
  const conn = await sql(db);
  await writeAndRotate(conn, 2);
  assert.deepEqual((await archivePass(await temporalClient(), ids)).archived, ['binlog.000001']);
  await writeAndRotate(conn, 2);
  await conn.end();
  const archived = await archiveOf(ids);
  const { server } = segmentsOf(archived)[0]!;

  // What the agent reports when the bytes it uploaded are not those it inspected moments before.
  const inspected = await inspectMysqlBinlog(db, 'binlog.000002');
  const uploaded = {
    ...(await uploadBinlog(central, ids, db, server, 'binlog.000002')),
    readSha256: createHash('sha256').update('other bytes').digest('hex'),
  };
  await withCentralActivities(central, async (activities) => {
    await assert.rejects(activities.registerSegment({ ...ids, server, inspected, uploaded }), (err: unknown) => {
      assert.ok(err instanceof BinlogRewrittenError);
      assert.equal(err.terminal, true);
      assert.match(err.message, /changed while being archived/);
      return true;
    });
  });
  assert.deepEqual(await archiveOf(ids), archived, 'nothing registered');
  assert.deepEqual(await alertsOf(ids), [{ kind: 'binlog-rewritten', subject: `${server.key}/binlog.000002` }]);

  // The same upload, read as inspected, registers.
  await withCentralActivities(central, async (activities) => {
    assert.deepEqual(
      await activities.registerSegment({ ...ids, server, inspected, uploaded: { ...uploaded, readSha256: inspected.sha256 } }),
      { inserted: true },
    );
  });
});
