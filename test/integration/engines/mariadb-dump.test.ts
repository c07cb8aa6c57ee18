import { test } from 'node:test';
import { assertConsistentBackupAndRestore } from './consistency-fixture';

test('mariadb-dump backs up at its own consistent point while writes continue, and restores to exactly it', async (t) => {
  t.diagnostic(await assertConsistentBackupAndRestore('mariadb-dump', 'mariadb'));
});
