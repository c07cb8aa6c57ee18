import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Connection } from 'mysql2/promise';
import type { DbInstance } from '../../../adapters/servers/db-instance';
import { isoMicros } from '../../../domain/archive/recoverable';
import type { Flavor } from '../../../domain/backup';
import { parseRestoreTarget } from '../../../domain/restore/target';
import { startAgentWorker } from '../../../workers/agent-worker';
import { freshDbInstance } from '../../harness/instances';
import { registerTestCluster, startBackup, startTestCentralWorkers, startTestCluster, temporalClient } from '../../harness/workers';
import { startBinlogStream, stopBinlogStream } from '../../../client/binlogs/stream';
import {
  archiveOf,
  archivePass,
  canonical,
  caughtUp,
  ENGINE,
  executedGtids,
  promote,
  replicate,
  segmentsOf,
  setRpo,
  sql,
} from '../archive/archive-harness';
import { sealedThrough, streamingAgentDatabase } from '../archive/stream-harness';
import { queryRestored } from './kept-restore';
import { type CommittedRow, instantBetween } from './oracle-writer';

const centralReady = startTestCentralWorkers();

/** A row and when the server that took it committed it. */
type Committed = Pick<CommittedRow, 'id' | 'micros' | 'returnedMicros'>;

/**
 * One transaction per row, into a table without a key: a transaction applied twice would
 * leave its row twice rather than fail. On MariaDB, whose binlog keeps whole seconds, each
 * row commits in a second of its own.
 */
async function commitRow(conn: Connection, flavor: Flavor, id: number): Promise<Committed> {
  if (flavor === 'mariadb') while (Date.now() % 1000 < 200 || Date.now() % 1000 > 600) await sleep(10);
  await conn.query('INSERT INTO oracle.rows_once VALUES (?, FLOOR(UNIX_TIMESTAMP(NOW(6)) * 1000000))', [id]);
  const returnedMicros = Date.now() * 1000 + 999;
  const [rows] = await conn.query('SELECT committed_us FROM oracle.rows_once WHERE id = ?', [id]);
  await sleep(flavor === 'mariadb' ? 700 : 150);
  return { id, micros: Number((rows as Array<{ committed_us: string | number }>)[0]!.committed_us), returnedMicros };
}

async function commitRows(conn: Connection, flavor: Flavor, ids: number[]): Promise<Committed[]> {
  const committed: Committed[] = [];
  for (const id of ids) committed.push(await commitRow(conn, flavor, id));
  return committed;
}

/** An instant after `before` commits and before `next` does, in the binlog's precision. */
function between(flavor: Flavor, before: Committed, next: Committed): string {
  const micros = flavor === 'mysql' ? instantBetween(before, next) : Math.floor(before.micros / 1e6) * 1e6 + 999_999;
  assert.ok(micros < (flavor === 'mysql' ? next.micros : Math.floor(next.micros / 1e6) * 1e6), 'the two commits are apart');
  return isoMicros(micros);
}

/** Sessions on a primary and its replica, which replicates the oracle table the primary creates. */
async function replicatingOracle(primary: DbInstance, replica: DbInstance): Promise<{ onPrimary: Connection; onReplica: Connection }> {
  const onPrimary = await sql(primary);
  const onReplica = await sql(replica);
  await replicate(onReplica, primary);
  await onPrimary.query(
    'CREATE DATABASE oracle; CREATE TABLE oracle.rows_once (id INT NOT NULL, committed_us BIGINT NOT NULL) ENGINE=InnoDB',
  );
  return { onPrimary, onReplica };
}

for (const flavor of ['mysql', 'mariadb'] as const) {
  test(`${flavor}: a restore across a failover holds every row committed at or before the target exactly once, the replica's repeats skipped`, async () => {
    await centralReady;
    const primary = await freshDbInstance(flavor, { serverId: 1 });
    const replica = await freshDbInstance(flavor, { serverId: 2, extraArgs: flavor === 'mariadb' ? ['--log-slave-updates'] : [] });
    const ids = { tenantId: 't-restore', clusterId: `c-failover-${flavor}-${process.pid}`, engine: ENGINE[flavor] };
    const client = await temporalClient();
    const { onPrimary, onReplica } = await replicatingOracle(primary, replica);

    const agent = await startAgentWorker(await registerTestCluster(primary, ids));
    const running = agent.run();
    await setRpo(ids, flavor, 1);
    const rows = await commitRows(onPrimary, flavor, [1, 2, 3]);
    await (await startBackup({ tenantId: ids.tenantId, clusterId: ids.clusterId })).handle.result();
    rows.push(...(await commitRows(onPrimary, flavor, [4, 5, 6])));
    await caughtUp(onReplica, onPrimary, flavor);
    // The replica's next file begins here, three transactions before the primary's archived file ends.
    await onReplica.query('FLUSH BINARY LOGS');
    rows.push(...(await commitRows(onPrimary, flavor, [7, 8, 9])));
    await caughtUp(onReplica, onPrimary, flavor);
    await sleep(1200);
    await archivePass(client, ids);
    agent.shutdown();
    await running;
    await agent.close();

    // Two more commits reach only the replica; the primary is lost, the replica promoted and written to.
    rows.push(...(await commitRows(onPrimary, flavor, [10, 11])));
    await caughtUp(onReplica, onPrimary, flavor);
    await onPrimary.end();
    await promote(onReplica, flavor);
    rows.push(...(await commitRows(onReplica, flavor, [12, 13])));
    await onReplica.end();
    await startTestCluster(replica, ids);
    await setRpo(ids, flavor, 1);
    await sleep(1200);
    await archivePass(client, ids);
    const archived = segmentsOf(await archiveOf(ids)).filter((s) => s.status === 'archived');
    assert.ok(
      archived.some((s) => s.overlapGtids),
      "the promoted replica's file that repeats the primary's is archived",
    );

    const counts = 'SELECT id, COUNT(*) AS copies FROM oracle.rows_once GROUP BY id ORDER BY id';
    const restore = async (target: string, key: string) => {
      const { rows: restored, result } = await queryRestored<{ id: number; copies: number }>(
        client,
        ids,
        parseRestoreTarget(target),
        `${key}-${flavor}`,
        counts,
      );
      return { restored: restored.map((r) => [Number(r.id), Number(r.copies)]), result };
    };
    const once = (last: number) => rows.filter((r) => r.id <= last).map((r) => [r.id, 1]);

    const latest = await restore('latest', 'failover-latest');
    assert.deepEqual(latest.restored, once(13), 'every row, each once');
    // Row 10 and 11 reached the archive only through the replica's file, after the part it repeats.
    const mid = await restore(between(flavor, rows[9]!, rows[10]!), 'failover-after-10');
    assert.deepEqual(mid.restored, once(10));
    // Between the primary's last archived commit and the replica's first own one: the primary's files whole, nothing of the replica's.
    const edge = await restore(between(flavor, rows[8]!, rows[9]!), 'failover-after-9');
    assert.deepEqual(edge.restored, once(9));
  });
}

test("mysql: a streamed cluster failed over to its replica: the replica's file begins with what the archive holds, is sealed in pieces, and a restore replays them", async () => {
  await centralReady;
  const flavor = 'mysql';
  const primary = await freshDbInstance(flavor, { serverId: 1 });
  const replica = await freshDbInstance(flavor, { serverId: 2 });
  const ids = {
    tenantId: 't-restore',
    clusterId: `c-failover-stream-${process.pid}`,
    engine: ENGINE[flavor],
    archiveSource: 'stream' as const,
  };
  const onPrimaryAgent = await streamingAgentDatabase(primary, `${ids.clusterId}-1`);
  const onReplicaAgent = await streamingAgentDatabase(replica, `${ids.clusterId}-2`);
  const client = await temporalClient();
  const { onPrimary, onReplica } = await replicatingOracle(primary, replica);

  const agent = await startAgentWorker(await registerTestCluster(primary, ids, { database: onPrimaryAgent }));
  const running = agent.run();
  await startBinlogStream(client, ids);
  const rows = await commitRows(onPrimary, flavor, [1, 2]);
  await (await startBackup({ tenantId: ids.tenantId, clusterId: ids.clusterId })).handle.result();
  rows.push(...(await commitRows(onPrimary, flavor, [3, 4])));
  await caughtUp(onReplica, onPrimary, flavor);
  await sealedThrough(ids, flavor, canonical(flavor, await executedGtids(onPrimary, flavor)));
  await stopBinlogStream(client, ids);
  agent.shutdown();
  await running;
  await agent.close();

  // The primary is lost; the replica, promoted, takes writes, and the stream follows it from its oldest binlog.
  await onPrimary.end();
  await promote(onReplica, flavor);
  const replicaAgent = await startAgentWorker(await registerTestCluster(replica, ids, { database: onReplicaAgent }));
  const replicaRunning = replicaAgent.run();
  try {
    await startBinlogStream(client, ids);
    await sleep(1500);
    rows.push(...(await commitRows(onReplica, flavor, [5, 6])));
    const segments = await sealedThrough(ids, flavor, canonical(flavor, await executedGtids(onReplica, flavor)));
    await stopBinlogStream(client, ids);
    const counts = 'SELECT id, COUNT(*) AS copies FROM oracle.rows_once GROUP BY id ORDER BY id';
    const restore = async (target: string, key: string) =>
      (await queryRestored<{ id: number; copies: number }>(client, ids, parseRestoreTarget(target), key, counts)).rows.map((r) => [
        Number(r.id),
        Number(r.copies),
      ]);
    const once = (last: number) => rows.filter((r) => r.id <= last).map((r) => [r.id, 1]);
    assert.deepEqual(await restore('latest', 'failover-stream-latest'), once(6), 'every row, each once');
    assert.deepEqual(await restore(between(flavor, rows[4]!, rows[5]!), 'failover-stream-after-5'), once(5));
    const replicaPieces = segments.filter((s) => s.server.id === 2);
    assert.ok(replicaPieces.length >= 2, `the replica's binlog is sealed in pieces (${replicaPieces.length})`);
    assert.equal(replicaPieces[0]!.startOffset, 0);
    assert.ok(replicaPieces[0]!.overlapGtids !== '', 'its first piece repeats what the archive holds, and is kept');
  } finally {
    await onReplica.end();
    replicaAgent.shutdown();
    await replicaRunning;
    await replicaAgent.close();
  }
});
