import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EngineFailedError, isTransientFailure } from '../../../adapters/engines/errors';

test('busy or unreachable servers are transient failures', () => {
  for (const output of [
    'mysqldump: Got error: 1205: Lock wait timeout exceeded; try restarting transaction when using LOCK TABLES',
    'mysqldump: Got error: 1040: Too many connections when trying to connect',
    'mysqldump: Error 2013: Lost connection to server during query when dumping table `events` at row: 1203',
    "[00] FATAL ERROR: Failed to connect to MariaDB server: Can't connect to local server through socket '/run/mysqld/mysqld.sock' (111)",
    'ER_CLONE_TOO_MANY_CONCURRENT_CLONES: Too many concurrent clone operations. Maximum allowed - 1.',
    'mysqldump: Got error: 2006: MySQL server has gone away',
    // The DDL hold's own session, connecting while the server restarts and its socket is gone.
    'holding DDL off (LOCK INSTANCE FOR BACKUP): ENOENT: connect ENOENT /var/run/mysqld/mysqld.sock',
    // mysqldump exits 2 without a word when its server shuts down under it.
    '',
  ]) {
    assert.equal(isTransientFailure(output), true, output);
  }
});

test('wrong credentials, bad options and a full disk are terminal, even beside a transient-looking line', () => {
  for (const output of [
    "mysqldump: Got error: 1045: Access denied for user 'backup'@'localhost' (using password: YES) when trying to connect",
    "mariadb-backup: unknown option '--thrtotle=10'",
    'mysqldump: Error: Got errno 28 on write\nLost connection to server during query',
    '[01] xtrabackup: Error: write to output failed: No space left on device',
    'something nobody anticipated',
  ]) {
    assert.equal(isTransientFailure(output), false, output);
  }
});

test('the error names the tool and its output, and its terminal flag is the opposite of transient', () => {
  const denied = new EngineFailedError('mysqldump', 2, "mysqldump: Got error: 1045: Access denied for user 'root'");
  assert.match(denied.message, /^mysqldump exited with code 2: .*Access denied/);
  assert.equal(denied.transient, false);
  assert.equal(denied.terminal, true);
  const busy = new EngineFailedError('mariadb-backup', 1, 'Lock wait timeout exceeded');
  assert.equal(busy.transient, true);
  assert.equal(busy.terminal, false);
});
