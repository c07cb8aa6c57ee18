import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Connection } from 'mysql2/promise';
import { isoMicros } from '../../../domain/archive/recoverable';
import { parseRestoreTarget } from '../../../domain/restore/target';
import { freshDbInstance } from '../../harness/instances';
import { startBackup, startTestCentralWorkers, startTestCluster, temporalClient } from '../../harness/workers';
import { archivePass, ENGINE, setRpo, sql } from '../archive/archive-harness';
import { queryRestored } from './kept-restore';

const centralReady = startTestCentralWorkers();

const nowMicros = (): number => Date.now() * 1000;

/** Waits into the next whole second, 200 ms past it: MariaDB's binlog times are whole seconds. */
async function nextSecond(): Promise<void> {
  await sleep(1000 - (Date.now() % 1000) + 200);
}

async function commitRow(conn: Connection, id: number): Promise<number> {
  await conn.query('INSERT INTO oracle.commits VALUES (?, FLOOR(UNIX_TIMESTAMP(NOW(6)) * 1000000))', [id]);
  const [rows] = await conn.query('SELECT committed_us FROM oracle.commits WHERE id = ?', [id]);
  return Number((rows as Array<{ committed_us: string | number }>)[0]!.committed_us);
}

/** The last microsecond of the second MariaDB's binlog times a commit at `micros` with. */
const endOfSecond = (micros: number): number => Math.floor(micros / 1e6) * 1e6 + 999_999;

for (const flavor of ['mysql', 'mariadb'] as const) {
  test(`${flavor}: a multi-statement transaction spanning the target instant is restored whole or not at all, never cut at its events' times`, async () => {
    await centralReady;
    const db = await freshDbInstance(flavor);
    const ids = { tenantId: 't-restore', clusterId: `c-whole-trx-${flavor}-${process.pid}`, engine: ENGINE[flavor] };
    await startTestCluster(db, ids);
    await setRpo(ids, flavor, 1);
    const writer = await sql(db);
    const other = await sql(db);
    await writer.query(
      'CREATE DATABASE oracle; CREATE TABLE oracle.commits (id INT PRIMARY KEY, committed_us BIGINT NOT NULL) ENGINE=InnoDB',
    );
    await commitRow(writer, 1);
    await (await startBackup({ tenantId: ids.tenantId, clusterId: ids.clusterId })).handle.result();
    await commitRow(writer, 2);

    // Rows 100 and 101 in one transaction: its first events are stamped before the instant, its commit after.
    await nextSecond();
    await writer.query('BEGIN');
    await writer.query('INSERT INTO oracle.commits VALUES (100, FLOOR(UNIX_TIMESTAMP(NOW(6)) * 1000000))');
    await nextSecond();
    const committedInside = await commitRow(other, 3);
    const inside = flavor === 'mysql' ? nowMicros() : endOfSecond(committedInside);
    await (flavor === 'mysql' ? sleep(400) : nextSecond());
    await writer.query('INSERT INTO oracle.commits VALUES (101, FLOOR(UNIX_TIMESTAMP(NOW(6)) * 1000000))');
    const beforeCommit = nowMicros();
    await writer.query('COMMIT');
    const committed = nowMicros();
    assert.ok(inside < beforeCommit, 'the instant inside falls before the transaction commits');
    await (flavor === 'mysql' ? sleep(400) : nextSecond());
    const afterCommit = await commitRow(other, 4);
    const after = flavor === 'mysql' ? Math.floor((committed + afterCommit) / 2) : endOfSecond(committed);
    assert.ok(
      after < (flavor === 'mysql' ? afterCommit : Math.floor(afterCommit / 1e6) * 1e6),
      'the instant after falls before row 4 commits',
    );
    const [started] = await writer.query('SELECT MIN(committed_us) AS first FROM oracle.commits WHERE id >= 100');
    assert.ok(
      Number((started as Array<{ first: string }>)[0]!.first) < inside,
      "the transaction's first statement ran before the instant inside it",
    );
    await writer.end();
    await other.end();
    const client = await temporalClient();
    await sleep(1200);
    await archivePass(client, ids);

    const ided = 'SELECT id FROM oracle.commits ORDER BY id';
    const restoredAt = async (micros: number, key: string) =>
      (await queryRestored<{ id: number }>(client, ids, parseRestoreTarget(isoMicros(micros)), `${key}-${flavor}`, ided)).rows.map((r) =>
        Number(r.id),
      );
    assert.deepEqual(
      await restoredAt(inside, 'inside-trx'),
      [1, 2, 3],
      'inside the transaction: none of it, and the row another session committed meanwhile',
    );
    assert.deepEqual(await restoredAt(after, 'after-trx'), [1, 2, 3, 100, 101], 'once it committed: all of it');
  });
}
