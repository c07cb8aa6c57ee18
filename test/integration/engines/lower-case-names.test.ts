import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectionOf, restoreBackup, runBackup } from '../../../adapters/engines';
import { withSql } from '../../../adapters/engines/sql-connection';
import type { DbInstance } from '../../../adapters/servers/db-instance';
import { ENGINES_BY_FLAVOR, type Flavor } from '../../../domain/backup';
import { freshDbInstance } from '../../harness/instances';
import { newRestoreDir, newStagingDir } from './consistency-fixture';

/** What an application on a `lower_case_table_names=1` server relies on: its names, in the case it writes them. */
async function ordersIn(db: DbInstance): Promise<{ ids: number[]; tables: string[]; setting: number }> {
  return withSql(connectionOf(db), async (conn) => {
    const [rows] = await conn.query('SELECT Id AS id FROM Shop.OrderItems ORDER BY Id');
    const [tables] = await conn.query(
      "SELECT CONCAT(TABLE_SCHEMA, '.', TABLE_NAME) AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'shop' ORDER BY name",
    );
    const [[setting]] = (await conn.query('SELECT @@lower_case_table_names AS value')) as unknown as [[{ value: number }]];
    return {
      ids: (rows as Array<{ id: number }>).map((r) => r.id),
      tables: (tables as Array<{ name: string }>).map((t) => t.name),
      setting: Number(setting.value),
    };
  });
}

/** A source initialised with `lower_case_table_names=1`, as a common my.cnf sets it, whose tables are named in mixed case. */
async function mixedCaseSource(flavor: Flavor): Promise<DbInstance> {
  const db = await freshDbInstance(flavor, { lowerCaseTableNames: 1 });
  await withSql(connectionOf(db), async (conn) => {
    await conn.query('CREATE DATABASE Shop');
    await conn.query('CREATE TABLE Shop.OrderItems (Id INT PRIMARY KEY)');
    await conn.query('CREATE TABLE Shop.Customers (Id INT PRIMARY KEY)');
    await conn.query('INSERT INTO Shop.OrderItems VALUES (1), (2), (3)');
  });
  return db;
}

for (const flavor of ['mysql', 'mariadb'] as const) {
  const source = mixedCaseSource(flavor);
  for (const engine of ENGINES_BY_FLAVOR[flavor].filter((e) => e !== 'xtrabackup')) {
    test(`${flavor} ${engine}: a source with lower_case_table_names=1 backs up and restores onto a server with the same setting, its mixed-case names answering`, async () => {
      const db = await source;
      const expected = await ordersIn(db);
      assert.deepEqual(expected, { ids: [1, 2, 3], tables: ['shop.customers', 'shop.orderitems'], setting: 1 });
      const stagingDir = newStagingDir();
      const backup = await runBackup(engine, { db: connectionOf(db), stagingDir });
      assert.deepEqual(
        backup.schemaTables.filter((t) => t.startsWith('shop.')),
        expected.tables,
      );
      const server = await restoreBackup(engine, {
        payloadDir: stagingDir,
        coordinate: backup.coordinate,
        target: { dir: newRestoreDir() },
        lowerCaseTableNames: expected.setting,
      });
      assert.deepEqual(await ordersIn(server), expected);
    });
  }
}
