import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { connectionOf, runBackup } from '../../../adapters/engines';
import { withSql } from '../../../adapters/engines/sql-connection';
import { freshDbInstance } from '../../harness/instances';
import { assertConsistentBackupAndRestore, newStagingDir } from './consistency-fixture';

test('clone backs up at its own consistent point while writes continue, and restores to exactly it', async (t) => {
  t.diagnostic(await assertConsistentBackupAndRestore('clone', 'mysql'));
});

test('clone throttles through the server variables during the clone and puts them back afterwards', async () => {
  const source = await freshDbInstance('mysql');
  const throttleVariables = 'SELECT @@GLOBAL.clone_max_data_bandwidth AS bandwidth, @@GLOBAL.clone_max_concurrency AS concurrency';
  const seen = new Set<string>();
  await withSql(connectionOf(source), async (conn) => {
    const [rows] = await conn.query(throttleVariables);
    const initial = JSON.stringify((rows as unknown[])[0]);
    let cloning = true;
    const watch = (async () => {
      while (cloning) {
        const [now] = await conn.query(throttleVariables);
        seen.add(JSON.stringify((now as unknown[])[0]));
        await sleep(20);
      }
    })();
    await runBackup('clone', {
      db: connectionOf(source),
      stagingDir: newStagingDir(),
      throttle: { bandwidthMBps: 20, concurrency: 1 },
    }).finally(() => {
      cloning = false;
    });
    await watch;
    assert.ok(seen.has(JSON.stringify({ bandwidth: 20, concurrency: 1 })), `seen: ${[...seen].join(' ')}`);
    const [after] = await conn.query(throttleVariables);
    assert.equal(JSON.stringify((after as unknown[])[0]), initial);
  });
});
