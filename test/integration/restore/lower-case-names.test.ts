import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EngineName, Flavor } from '../../../domain/backup';
import { parseRestoreTarget } from '../../../domain/restore/target';
import { freshDbInstance } from '../../harness/instances';
import { startBackup, startTestCentralWorkers, startTestCluster, temporalClient } from '../../harness/workers';
import { archivePass, executedGtids, setRpo, sql } from '../archive/archive-harness';
import { queryRestored } from './kept-restore';

const centralReady = startTestCentralWorkers();

const cases: Array<{ flavor: Flavor; engine: EngineName }> = [
  { flavor: 'mysql', engine: 'clone' },
  { flavor: 'mysql', engine: 'mysqldump' },
  { flavor: 'mariadb', engine: 'mariadb-backup' },
];

for (const { flavor, engine } of cases) {
  test(`${flavor} ${engine}: a source with lower_case_table_names=1 restores through the product onto a server with the same setting, tables created before and after the backup answering by their mixed-case names`, async () => {
    await centralReady;
    const db = await freshDbInstance(flavor, { lowerCaseTableNames: 1 });
    const ids = { tenantId: 't-restore', clusterId: `c-lctn-${engine}-${process.pid}`, engine };
    const client = await temporalClient();
    const conn = await sql(db);
    await conn.query(
      'CREATE DATABASE Shop; CREATE TABLE Shop.OrderItems (Id INT PRIMARY KEY); INSERT INTO Shop.OrderItems VALUES (1), (2)',
    );
    await startTestCluster(db, ids);
    await setRpo(ids, flavor, 1);
    await (await startBackup({ tenantId: ids.tenantId, clusterId: ids.clusterId })).handle.result();
    // Applied from the archived binlogs: a table created after the backup, and rows in both.
    await conn.query(
      'CREATE TABLE Shop.LateArrivals (Id INT PRIMARY KEY); INSERT INTO Shop.LateArrivals VALUES (10); INSERT INTO Shop.OrderItems VALUES (3)',
    );
    const target = await executedGtids(conn, flavor);
    await conn.query('FLUSH BINARY LOGS');
    await conn.end();
    await sleep(1200);
    await archivePass(client, ids);

    const { rows, result } = await queryRestored<{ orders: string; late: string; setting: number }>(
      client,
      ids,
      parseRestoreTarget(`gtid:${target}`),
      `lctn-${engine}`,
      `SELECT (SELECT GROUP_CONCAT(Id ORDER BY Id) FROM Shop.OrderItems) AS orders,
              (SELECT GROUP_CONCAT(Id) FROM Shop.LateArrivals) AS late, @@lower_case_table_names AS setting`,
    );
    assert.deepEqual(
      rows.map((r) => ({ ...r, setting: Number(r.setting) })),
      [{ orders: '1,2,3', late: '10', setting: 1 }],
    );
    assert.deepEqual(result.verification?.rowCounts, { 'shop.latearrivals': 1, 'shop.orderitems': 3 });
  });
}
