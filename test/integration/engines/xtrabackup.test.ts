import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectionOf, runBackup } from '../../../adapters/engines';
import { withSql } from '../../../adapters/engines/sql-connection';
import { toolchain } from '../../../adapters/servers/toolchain';
import { newStagingDir, seededSource, USER_TABLES } from './consistency-fixture';

// Percona XtraBackup is not installable here; the engine shares mariadb-backup's command line,
// so pointing it at mariadb-backup exercises everything but the binary.
test('xtrabackup runs the configured binary with the shared command line and reads its binlog info', async () => {
  const source = await seededSource('mariadb');
  const result = await runBackup('xtrabackup', {
    db: connectionOf(source),
    stagingDir: newStagingDir(),
    toolPath: toolchain().mariadbBackup,
  });
  const position = await withSql(connectionOf(source), async (conn) => {
    const [rows] = await conn.query('SELECT @@GLOBAL.gtid_binlog_pos AS gtid');
    return (rows as Array<{ gtid: string }>)[0]?.gtid;
  });
  assert.equal(result.engine, 'xtrabackup');
  assert.equal(result.flavor, 'mysql');
  assert.match(result.toolVersion, /mariadb-backup/);
  assert.equal(result.coordinate.source, 'xtrabackup_binlog_info');
  assert.equal(result.coordinate.gtidExecuted, position, 'nothing was written since, so the coordinate is the server position');
  assert.deepEqual(result.schemaTables, USER_TABLES);
});
