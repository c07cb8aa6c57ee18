import { test } from 'node:test';
import { assertConsistentBackupAndRestore } from './consistency-fixture';

test('mariadb-backup backs up at its own consistent point while writes continue, and restores to exactly it', async (t) => {
  t.diagnostic(await assertConsistentBackupAndRestore('mariadb-backup', 'mariadb'));
});
