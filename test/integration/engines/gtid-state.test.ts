import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectionOf } from '../../../adapters/engines';
import { readGtidState, sameGtidState, setGtidState } from '../../../adapters/engines/gtid-state';
import { withSql } from '../../../adapters/engines/sql-connection';
import { freshDbInstance } from '../../harness/instances';

// The state a restore installs when the payload does not carry it (physical MariaDB and XtraBackup backups).
test('setting the GTID state replaces what the server had with exactly the given state', async (t) => {
  const [mysql, mariadb] = await Promise.all([freshDbInstance('mysql'), freshDbInstance('mariadb')]);

  await t.test('MySQL: gtid_executed becomes the set, whatever the server had executed', async () => {
    const wanted = '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-120,aaaaaaaa-bbbb-cccc-dddd-000000000001:1-7';
    await withSql(connectionOf(mysql), async (conn) => {
      await conn.query('CREATE DATABASE own_history');
      await setGtidState(conn, 'mysql', wanted);
      assert.ok(sameGtidState('mysql', await readGtidState(conn, 'mysql'), wanted));
    });
  });

  await t.test('MariaDB: gtid_current_pos, gtid_slave_pos and gtid_binlog_state become the position', async () => {
    const wanted = '0-12-40,7-12-930';
    await withSql(connectionOf(mariadb), async (conn) => {
      await conn.query('CREATE DATABASE own_history');
      await setGtidState(conn, 'mariadb', wanted);
      assert.ok(sameGtidState('mariadb', await readGtidState(conn, 'mariadb'), wanted));
      const [rows] = await conn.query('SELECT @@GLOBAL.gtid_slave_pos AS slave, @@GLOBAL.gtid_binlog_state AS binlog');
      const row = (rows as Array<{ slave: string; binlog: string }>)[0];
      assert.ok(
        sameGtidState('mariadb', row?.slave ?? '', wanted) && sameGtidState('mariadb', row?.binlog ?? '', wanted),
        JSON.stringify(row),
      );
    });
  });
});
