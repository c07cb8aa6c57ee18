import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { requestRestore } from '../../../client/restore/request';
import { isoMicros } from '../../../domain/archive/recoverable';
import { parseRestoreTarget } from '../../../domain/restore/target';
import { testStack } from '../../harness/env';
import { freshDbInstance } from '../../harness/instances';
import { startBackup, startTestCentralWorkers, startTestCluster, temporalClient } from '../../harness/workers';
import { archivePass, caughtUp, ENGINES_UNDER_TEST, replicate, setRpo, sql } from '../archive/archive-harness';
import { instantBetween, OracleWriter } from './oracle-writer';

process.env.PITR_RESTORE_DIR = join(testStack().stateDir, 'restores');
const centralReady = startTestCentralWorkers();

for (const { flavor, engine } of ENGINES_UNDER_TEST) {
  test(`${flavor} ${engine}: a backup and the archive taken from a replica while the primary writes restore exactly, to a GTID and to the latest commit${flavor === 'mysql' ? ", and to a sub-second instant of the primary's across replication lag" : ''}`, async () => {
    await centralReady;
    const primary = await freshDbInstance(flavor, { serverId: 1 });
    const replica = await freshDbInstance(flavor, {
      serverId: 2,
      extraArgs: [flavor === 'mysql' ? '--log-replica-updates=ON' : '--log-slave-updates=ON'],
    });
    const [toPrimary, toReplica] = await Promise.all([sql(primary), sql(replica)]);
    await replicate(toReplica, primary);

    const ids = { tenantId: 't-replica', clusterId: `c-replica-${engine}-${process.pid}`, engine };
    await startTestCluster(replica, ids);
    await setRpo(ids, flavor, 1);
    const writer = await OracleWriter.open(primary);
    writer.start({ intervalMs: 30 });
    await sleep(1000);
    const backup = await (await startBackup({ tenantId: ids.tenantId, clusterId: ids.clusterId })).handle.result();
    assert.ok(backup.artifact, 'the backup of the replica completed');
    const backedUpMicros = Date.now() * 1000;
    // Lag: the replica applies what the primary commits meanwhile seconds later, with commit times of its own.
    await toReplica.query(flavor === 'mysql' ? 'STOP REPLICA SQL_THREAD' : 'STOP SLAVE SQL_THREAD');
    await sleep(1500);
    await toReplica.query(flavor === 'mysql' ? 'START REPLICA SQL_THREAD' : 'START SLAVE SQL_THREAD');
    const rows = await writer.stop();
    await caughtUp(toReplica, toPrimary, flavor);
    await Promise.all([toPrimary.end(), toReplica.end()]);
    await sleep(1200);
    await archivePass(await temporalClient(), ids);

    const client = await temporalClient();
    const middle = rows[Math.floor(rows.length * 0.75)]!;
    const atGtid = await (
      await requestRestore(client, { ...ids, target: { kind: 'gtid', set: middle.gtidAfter }, idempotencyKey: 'gtid' })
    ).result();
    assert.equal(atGtid.verification?.rowCounts['oracle.commits'], middle.id, 'exactly the rows through that GTID');
    if (flavor === 'mysql') {
      // The instant is the primary's: a replica's binlog keeps each transaction's original commit time beside its own.
      const after = rows.filter((r) => r.micros > backedUpMicros + 100_000);
      const [before, next] = [after[Math.floor(after.length / 2) - 1]!, after[Math.floor(after.length / 2)]!];
      const atInstant = await (
        await requestRestore(client, {
          ...ids,
          target: parseRestoreTarget(isoMicros(instantBetween(before, next))),
          idempotencyKey: 'instant',
        })
      ).result();
      assert.equal(atInstant.verification?.rowCounts['oracle.commits'], before.id, 'exactly the rows the primary committed by the instant');
    }
    const latest = await (await requestRestore(client, { ...ids, target: { kind: 'latest' }, idempotencyKey: 'latest' })).result();
    assert.equal(latest.verification?.rowCounts['oracle.commits'], rows.length, 'every row the primary committed');
    assert.equal(latest.appliedThrough, rows[rows.length - 1]!.gtidAfter, "the primary's GTID state, as the replica logged it");
  });
}
