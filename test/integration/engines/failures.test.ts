import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { connectionOf, EngineAbortedError, EngineFailedError, runBackup } from '../../../adapters/engines';
import { RESULT_MARKER } from '../../../adapters/engines/staging';
import { freshDbInstance } from '../../harness/instances';
import { newStagingDir } from './consistency-fixture';

// Subtests, so the two servers (stopped when the enclosing test ends) serve all of them.
test('engine failures, staging reuse and cancellation', async (t) => {
  const [mysql, mariadb] = await Promise.all([freshDbInstance('mysql'), freshDbInstance('mariadb')]);

  for (const [engine, source] of [
    ['mysqldump', mysql],
    ['clone', mysql],
    ['mariadb-dump', mariadb],
    ['mariadb-backup', mariadb],
  ] as const) {
    await t.test(`${engine} with a wrong password fails terminally, naming the tool and what it said`, async () => {
      const stagingDir = newStagingDir();
      const err = await runBackup(engine, { db: { ...connectionOf(source), password: 'not-the-password' }, stagingDir }).catch(
        (e: unknown) => e,
      );
      assert.ok(err instanceof EngineFailedError, String(err));
      assert.equal(err.tool, engine);
      assert.match(err.message, new RegExp(`^${engine} `));
      assert.match(err.lastOutput, /Access denied/);
      assert.equal(err.transient, false);
      assert.equal(existsSync(join(stagingDir, RESULT_MARKER)), false, 'a failed backup leaves no result marker');
    });
  }

  await t.test('a staging folder with a complete result is reused: the tool does not run again', async () => {
    const stagingDir = newStagingDir();
    const first = await runBackup('mysqldump', { db: connectionOf(mysql), stagingDir });
    const dumpWritten = statSync(first.payload).mtimeMs;
    // With a wrong password the tool would fail; getting the stored result proves it did not run.
    const again = await runBackup('mysqldump', { db: { ...connectionOf(mysql), password: 'not-the-password' }, stagingDir });
    assert.deepEqual(again, first);
    assert.equal(statSync(first.payload).mtimeMs, dumpWritten);
  });

  await t.test('a partial staging folder is wiped before the backup runs', async () => {
    const stagingDir = newStagingDir();
    mkdirSync(join(stagingDir, 'leftover'));
    writeFileSync(join(stagingDir, 'dump.sql'), '-- half a dump from a crashed attempt\n');
    const result = await runBackup('mariadb-dump', { db: connectionOf(mariadb), stagingDir });
    assert.deepEqual(readdirSync(stagingDir).sort(), ['dump.sql', RESULT_MARKER]);
    assert.ok(result.bytes > 1000);
  });

  await t.test('cancelling a backup stops its tool and leaves no result to reuse', async () => {
    const stagingDir = newStagingDir();
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 500);
    // Throttled to one I/O per second, the copy cannot finish before the cancellation.
    const throttle = { ioPerSecond: 1 };
    await assert.rejects(
      runBackup('mariadb-backup', { db: connectionOf(mariadb), stagingDir, throttle, signal: controller.signal }),
      EngineAbortedError,
    );
    assert.equal(existsSync(join(stagingDir, RESULT_MARKER)), false);
    assert.ok(Date.now() - started < 15_000, `the cancelled tool stopped only after ${Date.now() - started} ms`);
  });
});
