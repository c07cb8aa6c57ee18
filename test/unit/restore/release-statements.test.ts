import assert from 'node:assert/strict';
import { test } from 'node:test';
import { binlogStatusStatement, resetBinlogStatement } from '../../../domain/release-statements';

test('binlog statements are spelled as each release knows them: MySQL 8.0 and 8.1 the old way, 8.2+ the new, MariaDB its own', () => {
  assert.equal(binlogStatusStatement('mysql', '8.0.36'), 'SHOW MASTER STATUS');
  assert.equal(binlogStatusStatement('mysql', '8.1.0'), 'SHOW MASTER STATUS');
  assert.equal(binlogStatusStatement('mysql', '8.4.3'), 'SHOW BINARY LOG STATUS');
  assert.equal(binlogStatusStatement('mysql', '9.7.4-2'), 'SHOW BINARY LOG STATUS');
  assert.equal(binlogStatusStatement('mariadb', '11.8.9-MariaDB-4'), 'SHOW BINLOG STATUS');
  assert.equal(resetBinlogStatement('mysql', '8.0.36-log'), 'RESET MASTER');
  assert.equal(resetBinlogStatement('mysql', '8.2.0'), 'RESET BINARY LOGS AND GTIDS');
  assert.equal(resetBinlogStatement('mysql', '9.7.4-2'), 'RESET BINARY LOGS AND GTIDS');
  assert.equal(resetBinlogStatement('mariadb', '10.11.19-MariaDB'), 'RESET MASTER');
});
