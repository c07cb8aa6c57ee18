import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadRecoverability } from '../../../activities/archive/recoverable';
import type { ArchiveEntry } from '../../../adapters/catalog/segments';
import { isoMicros, microsOf } from '../../../domain/archive/recoverable';
import { backupWorkflowId, type Flavor } from '../../../domain/backup';
import { MysqlGtidSet } from '../../../domain/gtid';
import { baseBackupWorkflow } from '../../../workflows';
import { startAgentWorker } from '../../../workers/agent-worker';
import { CENTRAL_TASK_QUEUE } from '../../../domain/task-queues';
import { freshDbInstance } from '../../harness/instances';
import { registerTestCluster, startTestCentralWorkers, startTestCluster, temporalClient } from '../../harness/workers';
import { ContinuousWriter } from '../backup/writer';
import {
  archiveOf,
  archivePass,
  archivedSha256,
  binlogNames,
  ENGINE,
  executedGtids,
  alertsOf,
  canonical,
  caughtUp,
  failedPassType,
  indexedTransactions,
  insertRows,
  promote,
  replicate,
  pitrJson,
  purgeAllButActive,
  recoverableOf,
  segmentsOf,
  setRpo,
  sql,
  storedBinlogObjects,
  withCentralCatalog,
  writeAndRotate,
} from './archive-harness';

const centralReady = startTestCentralWorkers();
const FLAVORS: Flavor[] = ['mysql', 'mariadb'];

for (const flavor of FLAVORS) {
  test(`${flavor}: under continuous writes, every committed GTID lands in exactly one archived segment, the active binlog included by RPO rotation`, async () => {
    const central = await centralReady;
    const db = await freshDbInstance(flavor);
    const ids = { tenantId: 't-archive', clusterId: `c-archive-${flavor}-${process.pid}`, engine: ENGINE[flavor] };
    await startTestCluster(db, ids);
    const client = await temporalClient();
    const writer = await ContinuousWriter.open(db);
    writer.start();

    // A fresh transaction in the active binlog is far from an RPO of an hour: nothing to rotate, nothing closed.
    await setRpo(ids, flavor, 3600);
    const idle = await archivePass(client, ids);
    assert.deepEqual([idle.rotated, idle.archived], [undefined, []]);

    await setRpo(ids, flavor, 1);
    const passes = [];
    for (let i = 0; i < 2; i++) {
      passes.push(await archivePass(client, ids));
      await sleep(300);
    }
    await writer.stop();
    passes.push(await archivePass(client, ids));
    for (const pass of passes) {
      assert.ok(pass.rotated, 'each pass under writes rotated the active binlog');
      assert.deepEqual(pass.archived, [pass.rotated], 'and archived exactly the file it closed');
    }
    const settled = await archivePass(client, ids);
    assert.deepEqual([settled.rotated, settled.archived, settled.skipped], [undefined, [], []], 'a pass with nothing new changes nothing');

    const conn = await sql(db);
    const executed = await executedGtids(conn, flavor);
    const active = (await binlogNames(conn)).pop();
    const [identity] = (
      await conn.query(`SELECT ${flavor === 'mysql' ? '@@server_uuid' : 'NULL'} AS uuid, @@server_id AS id`)
    )[0] as Array<{ uuid: string | null; id: number }>;
    await conn.end();
    const segments = segmentsOf(await archiveOf(ids));
    assert.deepEqual(
      segments.map((s) => s.status),
      segments.map(() => 'archived'),
    );
    for (const s of segments) {
      assert.deepEqual(
        [s.server.uuid, s.server.id],
        [identity!.uuid ?? undefined, Number(identity!.id)],
        `${s.file} names the server that wrote it`,
      );
    }
    for (let i = 1; i < segments.length; i++) {
      assert.equal(
        canonical(flavor, segments[i]!.previousGtids),
        canonical(flavor, segments[i - 1]!.reachedGtids),
        `${segments[i]!.file} continues where the one before ended`,
      );
    }
    assert.ok(!segments.some((s) => s.file === active), 'the active binlog is never archived');
    assert.deepEqual(
      segments.map((s) => s.file),
      [...segments.map((s) => s.file)].sort(),
      'stream order is binlog order',
    );

    const indexes = await indexedTransactions(central, ids.tenantId, segments);
    const archivedGtids = segments.flatMap((s) => indexes.get(s)!.map((t) => t.gtid!));
    assert.equal(new Set(archivedGtids).size, archivedGtids.length, 'no GTID is in two segments');
    for (const s of segments) {
      const commits = indexes.get(s)!.map((t) => t.commitTime.micros);
      assert.equal(commits.length, s.transactions);
      if (commits.length === 0) continue;
      assert.deepEqual(
        [s.firstCommitAt, s.lastCommitAt],
        [isoMicros(Math.min(...commits)), isoMicros(Math.max(...commits))],
        `${s.file}: commit times span its index`,
      );
      assert.ok(
        s.firstEventAt !== null && microsOf(s.firstEventAt) <= microsOf(s.firstCommitAt!),
        `${s.file}: its first event (${s.firstEventAt}) is not after its first commit`,
      );
    }
    if (flavor === 'mysql') {
      const union = segments.reduce((u, s) => u.union(MysqlGtidSet.parse(s.gtids)), MysqlGtidSet.empty());
      assert.equal(union.toString(), MysqlGtidSet.parse(executed).toString(), 'the archive holds every committed GTID');
      assert.equal(BigInt(archivedGtids.length), union.count());
    } else {
      const lastSeq = Number(executed.split('-').pop());
      const seqs = archivedGtids.map((g) => Number(g.split('-').pop())).sort((a, b) => a - b);
      assert.deepEqual(
        seqs,
        Array.from({ length: lastSeq }, (_, i) => i + 1),
        'the archive holds every committed GTID',
      );
    }

    // The stored copy is the binlog, byte for byte; storage holds nothing but what the catalog names.
    const newest = segments[segments.length - 1]!;
    assert.equal(await archivedSha256(central, newest), newest.sha256);
    const stored = await storedBinlogObjects(central, ids, segments);
    assert.deepEqual(stored.keys, segments.flatMap((s) => [s.objectKey!, s.indexKey!]).sort());
    const rpo = await withCentralCatalog((catalog) => loadRecoverability(catalog, ids.tenantId, ids.clusterId)).then((r) => r.rpoSeconds);
    assert.ok(rpo !== null && rpo < 60, `the newest write is archived (RPO ${rpo} s)`);
  });

  test(`${flavor}: a binlog purged before it was archived is a named gap in \`pitr recoverable\`, and archiving goes on past it`, async () => {
    await centralReady;
    const db = await freshDbInstance(flavor);
    const ids = { tenantId: 't-archive', clusterId: `c-gap-${flavor}-${process.pid}`, engine: ENGINE[flavor] };
    await startTestCluster(db, ids);
    await setRpo(ids, flavor, 1);
    const client = await temporalClient();
    const conn = await sql(db);
    await writeAndRotate(conn, 3);
    const backup = await client.workflow.execute(baseBackupWorkflow, {
      taskQueue: CENTRAL_TASK_QUEUE,
      workflowId: backupWorkflowId(ids.tenantId, ids.clusterId, new Date()),
      args: [{ tenantId: ids.tenantId, clusterId: ids.clusterId }],
    });
    await writeAndRotate(conn, 2);
    await archivePass(client, ids);

    const beforePurge = await executedGtids(conn, flavor);
    await writeAndRotate(conn, 2);
    await writeAndRotate(conn, 2);
    const purged = (await purgeAllButActive(conn)).slice(-2);
    const lost = await executedGtids(conn, flavor);
    await writeAndRotate(conn, 1);

    assert.equal(await failedPassType(archivePass(client, ids)), 'BinlogGapError');
    const resumed = await archivePass(client, ids);
    assert.ok(resumed.archived.length > 0, 'the pass after the recorded gap archives the files after it');

    const report = await recoverableOf(ids);
    assert.equal(report.gaps.length, 1);
    const [gap] = report.gaps;
    assert.equal(gap!.missingFiles, `${purged[0]} … ${purged[1]}`);
    if (flavor === 'mysql') {
      assert.equal(gap!.missing, MysqlGtidSet.parse(lost).subtract(MysqlGtidSet.parse(beforePurge)).toString());
    } else {
      assert.equal(gap!.missing, lost);
    }
    assert.deepEqual(
      report.windows.map((w) => w.baseBackup.backupId),
      [backup.backupId],
      'the backup before the gap is recoverable up to it',
    );
    assert.equal(report.uncovered.length, 1, 'the stretch after the gap waits for a new base backup');
    assert.equal(typeof report.rpoSeconds, 'number');
    assert.deepEqual(report.halted, [], 'a recorded gap does not halt the archive');

    const listed = await pitrJson<ArchiveEntry[]>('binlogs', 'list', '--tenant', ids.tenantId, '--cluster', ids.clusterId);
    assert.deepEqual(
      listed.map((e) => e.kind).filter((k, i, all) => k !== all[i - 1]),
      ['segment', 'gap', 'segment'],
      'the gap sits in the stream where it happened',
    );
    assert.deepEqual(
      (await alertsOf(ids)).map((a) => a.kind),
      ['archive-gap'],
    );
    await conn.end();
  });

  test(`${flavor}: failover to a server whose history lacks archived transactions is refused`, async () => {
    await centralReady;
    const primary = await freshDbInstance(flavor, { serverId: 1 });
    const other = await freshDbInstance(flavor, { serverId: 2 });
    const ids = { tenantId: 't-archive', clusterId: `c-failover-${flavor}-${process.pid}`, engine: ENGINE[flavor] };
    const client = await temporalClient();

    const agent = await startAgentWorker(await registerTestCluster(primary, ids));
    const running = agent.run();
    await setRpo(ids, flavor, 1);
    const onPrimary = await sql(primary);
    await writeAndRotate(onPrimary, 3);
    await onPrimary.end();
    await archivePass(client, ids);
    agent.shutdown();
    await running;
    await agent.close();
    const archived = await archiveOf(ids);

    // The agent now points at another server with a history of its own and the same binlog names.
    await startTestCluster(other, ids);
    await setRpo(ids, flavor, 1);
    const onOther = await sql(other);
    await writeAndRotate(onOther, 2);
    await onOther.end();
    assert.equal(await failedPassType(archivePass(client, ids)), 'BinlogHistoryDivergedError');
    assert.deepEqual(await archiveOf(ids), archived, 'nothing of the other server entered the archive');
    const alerts = await alertsOf(ids);
    assert.equal(alerts.length, 1);
    assert.match(alerts[0]!.subject, /^diverged:/);
    const { halted } = await recoverableOf(ids);
    assert.deepEqual(
      halted.map((h) => [h.kind, h.subject]),
      [['history-diverged', alerts[0]!.subject]],
      '`pitr recoverable` says the archive is halted',
    );
    assert.match(halted[0]!.message, /cannot continue the archive .* lacks archived transactions/);
  });

  test(`${flavor}: a promoted replica continues the archive; its same-named files are told apart and nothing is lost or doubled`, async () => {
    const central = await centralReady;
    const primary = await freshDbInstance(flavor, { serverId: 1 });
    const replica = await freshDbInstance(flavor, { serverId: 2, extraArgs: flavor === 'mariadb' ? ['--log-slave-updates'] : [] });
    const ids = { tenantId: 't-archive', clusterId: `c-promote-${flavor}-${process.pid}`, engine: ENGINE[flavor] };
    const client = await temporalClient();
    const onPrimary = await sql(primary);
    const onReplica = await sql(replica);
    await replicate(onReplica, primary);

    await writeAndRotate(onPrimary, 3);
    await caughtUp(onReplica, onPrimary, flavor);
    await onReplica.query('FLUSH BINARY LOGS');
    await insertRows(onPrimary, 2);
    await caughtUp(onReplica, onPrimary, flavor);
    const agent = await startAgentWorker(await registerTestCluster(primary, ids));
    const running = agent.run();
    await setRpo(ids, flavor, 1);
    assert.equal((await archivePass(client, ids)).archived.length, 2);
    const archivedFromPrimary = segmentsOf(await archiveOf(ids));
    agent.shutdown();
    await running;
    await agent.close();

    // The primary commits two more transactions, which only the replica gets, and is lost.
    await insertRows(onPrimary, 2);
    await caughtUp(onReplica, onPrimary, flavor);
    await onPrimary.end();
    await promote(onReplica, flavor);
    await insertRows(onReplica, 2);

    await startTestCluster(replica, ids);
    await setRpo(ids, flavor, 1);
    const pass = await archivePass(client, ids);
    assert.deepEqual(
      pass.skipped.map((s) => s.file),
      ['binlog.000001'],
      "the replica's copy of the first archived file is on record, not archived again",
    );
    assert.deepEqual(pass.archived, ['binlog.000002']);

    const segments = segmentsOf(await archiveOf(ids));
    assert.deepEqual(
      segments.map((s) => [s.server.key === archivedFromPrimary[0]!.server.key ? 'primary' : 'replica', s.file, s.status]),
      [
        ['primary', 'binlog.000001', 'archived'],
        ['primary', 'binlog.000002', 'archived'],
        ['replica', 'binlog.000001', 'redundant'],
        ['replica', 'binlog.000002', 'archived'],
      ],
    );
    assert.equal(
      segments[3]!.overlapGtids,
      segments[1]!.gtids,
      "the promoted file repeats the primary's last archived segment, and says so",
    );
    const executed = await executedGtids(onReplica, flavor);
    await onReplica.end();
    const indexes = await indexedTransactions(central, ids.tenantId, segments);
    const archived = [...indexes.values()].flatMap((trxs) => trxs.map((t) => t.gtid!));
    const unique = [...new Set(archived)];
    assert.equal(archived.length - unique.length, segments[1]!.transactions, 'only the declared overlap is archived twice');
    if (flavor === 'mysql') {
      assert.equal(
        MysqlGtidSet.parse(unique.join(',')).toString(),
        MysqlGtidSet.parse(executed).toString(),
        'every transaction the replica holds is archived',
      );
    } else {
      const seqs = unique.map((g) => Number(g.split('-').pop())).sort((a, b) => a - b);
      assert.deepEqual(
        seqs,
        Array.from({ length: Number(executed.split('-').pop()) }, (_, i) => i + 1),
        'every transaction the replica holds is archived',
      );
    }
    assert.deepEqual(await alertsOf(ids), []);
  });

  test(`${flavor}: a binlog rewritten under an archived name is refused with an alert`, async () => {
    await centralReady;
    const db = await freshDbInstance(flavor);
    const ids = { tenantId: 't-archive', clusterId: `c-rewrite-${flavor}-${process.pid}`, engine: ENGINE[flavor] };
    await startTestCluster(db, ids);
    await setRpo(ids, flavor, 1);
    const client = await temporalClient();
    const conn = await sql(db);
    await writeAndRotate(conn, 2);
    assert.deepEqual((await archivePass(client, ids)).archived, ['binlog.000001']);
    await conn.query(flavor === 'mysql' ? 'RESET BINARY LOGS AND GTIDS' : 'RESET MASTER');
    // Refused at once, before anything is written: the server's active binlog is a file the archive holds whole.
    assert.equal(await failedPassType(archivePass(client, ids)), 'BinlogsResetError');
    await writeAndRotate(conn, 1);
    await conn.end();
    assert.equal(await failedPassType(archivePass(client, ids)), 'BinlogRewrittenError');
    const subject = `${segmentsOf(await archiveOf(ids))[0]!.server.key}/binlog.000001`;
    assert.deepEqual(await alertsOf(ids), [{ kind: 'binlog-rewritten', subject }]);
    const { halted } = await recoverableOf(ids);
    assert.deepEqual(
      halted.map((h) => [h.kind, h.subject]),
      [['binlog-rewritten', subject]],
      '`pitr recoverable` says the archive is halted',
    );
    assert.match(halted[0]!.message, /binlog\.000001 .* now holds other bytes under that name/);
  });
}
