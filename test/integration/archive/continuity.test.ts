import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { ArchiveMovedError, BinlogRewrittenError } from '../../../activities/archive/errors';
import { microsOf } from '../../../domain/archive/recoverable';
import type { Flavor } from '../../../domain/backup';
import { MysqlGtidSet } from '../../../domain/gtid';
import { freshDbInstance } from '../../harness/instances';
import { startTestCentralWorkers, startTestCluster, temporalClient } from '../../harness/workers';
import {
  alertsOf,
  archiveOf,
  archivePass,
  canonical,
  ENGINE,
  executedGtids,
  failedPassType,
  inspectMysqlBinlog,
  purgeAllButActive,
  recoverableOf,
  segmentsOf,
  setRpo,
  sql,
  storedSize,
  uploadBinlog,
  withCentralActivities,
  writeAndRotate,
} from './archive-harness';

const centralReady = startTestCentralWorkers();
const FLAVORS: Flavor[] = ['mysql', 'mariadb'];

for (const flavor of FLAVORS) {
  test(`${flavor}: binlogs purged before they were archived are a named gap at the next pass, though the server then stays idle`, async () => {
    await centralReady;
    const db = await freshDbInstance(flavor);
    const ids = { tenantId: 't-archive', clusterId: `c-idle-gap-${flavor}-${process.pid}`, engine: ENGINE[flavor] };
    await startTestCluster(db, ids);
    await setRpo(ids, flavor, 1);
    const client = await temporalClient();
    const conn = await sql(db);
    await writeAndRotate(conn, 2);
    assert.deepEqual((await archivePass(client, ids)).archived, ['binlog.000001']);

    const beforePurge = await executedGtids(conn, flavor);
    await writeAndRotate(conn, 2);
    await writeAndRotate(conn, 2);
    await purgeAllButActive(conn);
    const lost = await executedGtids(conn, flavor);
    // Idle from here: the active binlog holds no transaction, so no pass rotates it and no closed file is left.
    assert.equal(await failedPassType(archivePass(client, ids)), 'BinlogGapError');

    const report = await recoverableOf(ids);
    assert.deepEqual(
      report.gaps.map((g) => [g.missingFiles, g.beforeFile, g.missing]),
      [
        [
          'binlog.000002 … binlog.000003',
          'binlog.000004',
          flavor === 'mysql' ? MysqlGtidSet.parse(lost).subtract(MysqlGtidSet.parse(beforePurge)).toString() : lost,
        ],
      ],
    );
    assert.deepEqual(report.halted, []);
    assert.deepEqual(
      (await alertsOf(ids)).map((a) => a.kind),
      ['archive-gap'],
    );

    assert.deepEqual((await archivePass(client, ids)).archived, [], 'the next idle pass finds the gap on record and goes on');
    await writeAndRotate(conn, 1);
    await conn.end();
    assert.deepEqual((await archivePass(client, ids)).archived, ['binlog.000004'], 'the file the gap was found at continues past it');
    const entries = await archiveOf(ids);
    assert.deepEqual(
      entries.map((e) => (e.kind === 'gap' ? 'gap' : e.file)),
      ['binlog.000001', 'gap', 'binlog.000004'],
    );
    assert.equal((await recoverableOf(ids)).gaps.length, 1);
  });
}

test('mysql: registering an archived segment again is a no-op; the same name and size with other bytes is refused with an alert', async () => {
  const central = await centralReady;
  const db = await freshDbInstance('mysql');
  const ids = { tenantId: 't-archive', clusterId: `c-idempotent-${process.pid}`, engine: ENGINE.mysql };
  await startTestCluster(db, ids);
  await setRpo(ids, 'mysql', 1);
  const client = await temporalClient();
  const conn = await sql(db);
  await writeAndRotate(conn, 2);
  await conn.end();
  assert.deepEqual((await archivePass(client, ids)).archived, ['binlog.000001']);
  const archived = await archiveOf(ids);
  const [segment] = segmentsOf(archived);
  const inspected = await inspectMysqlBinlog(db, 'binlog.000001');
  assert.equal(inspected.sha256, segment!.sha256);
  const again = { ...ids, server: segment!.server, inspected };
  const rewritten = { ...again, inspected: { ...inspected, sha256: createHash('sha256').update('other bytes').digest('hex') } };

  await withCentralActivities(central, async (activities) => {
    const { objectKey, storedBytes, storedSha256, indexKey } = segment!;
    const indexStoredBytes = await storedSize(central, indexKey!);
    const uploaded = {
      objectKey: objectKey!,
      storedBytes: storedBytes!,
      storedSha256: storedSha256!,
      indexKey: indexKey!,
      indexStoredBytes,
    };
    assert.deepEqual(await activities.checkSegment(again), { action: 'skip', reason: 'archived already, with the same SHA-256' });
    assert.deepEqual(
      await activities.registerSegment({ ...again, uploaded }),
      { inserted: false },
      'a retried registration that had committed',
    );
    assert.deepEqual(await archiveOf(ids), archived, 'still one row');

    await assert.rejects(activities.checkSegment(rewritten), BinlogRewrittenError);
    await assert.rejects(activities.registerSegment({ ...rewritten, uploaded }), BinlogRewrittenError);

    // What a pass sees of such a file before reading it: its size, and when the server created it.
    const created = Math.floor(microsOf(segment!.firstEventAt!) / 1_000_000);
    const closed = (createdSeconds: number) => ({
      ...ids,
      server: segment!.server,
      closed: [{ name: 'binlog.000001', sizeBytes: segment!.sizeBytes, createdSeconds }],
    });
    assert.deepEqual(await activities.planArchive(closed(created)), { pending: [] });
    await assert.rejects(activities.planArchive(closed(created + 1)), BinlogRewrittenError);
  });
  assert.deepEqual(await archiveOf(ids), archived, 'the archived copy stays as it was');
  assert.deepEqual(await alertsOf(ids), [{ kind: 'binlog-rewritten', subject: `${segment!.server.key}/binlog.000001` }]);
  assert.deepEqual(
    (await recoverableOf(ids)).halted.map((h) => h.kind),
    ['binlog-rewritten'],
  );
});

test('mysql: a segment registered before the one it follows is refused and leaves no row; the next pass archives both in binlog order', async () => {
  const central = await centralReady;
  const db = await freshDbInstance('mysql');
  const ids = { tenantId: 't-archive', clusterId: `c-order-${process.pid}`, engine: ENGINE.mysql };
  await startTestCluster(db, ids);
  await setRpo(ids, 'mysql', 1);
  const client = await temporalClient();
  const conn = await sql(db);
  await writeAndRotate(conn, 2);
  assert.deepEqual((await archivePass(client, ids)).archived, ['binlog.000001']);
  await writeAndRotate(conn, 2);
  await writeAndRotate(conn, 2);
  await conn.end();
  const archived = await archiveOf(ids);
  const { server } = segmentsOf(archived)[0]!;

  const inspected = await inspectMysqlBinlog(db, 'binlog.000003');
  const uploaded = await uploadBinlog(central, ids, db, server, 'binlog.000003');
  await withCentralActivities(central, async (activities) => {
    await assert.rejects(activities.registerSegment({ ...ids, server, inspected, uploaded }), ArchiveMovedError);
  });
  assert.deepEqual(await archiveOf(ids), archived, 'no row for the file that came early');

  assert.deepEqual((await archivePass(client, ids)).archived, ['binlog.000002', 'binlog.000003']);
  const segments = segmentsOf(await archiveOf(ids));
  assert.deepEqual(
    segments.map((s) => s.file),
    ['binlog.000001', 'binlog.000002', 'binlog.000003'],
  );
  for (let i = 1; i < segments.length; i++)
    assert.equal(canonical('mysql', segments[i]!.previousGtids), canonical('mysql', segments[i - 1]!.reachedGtids));
  assert.deepEqual(await alertsOf(ids), []);
});
