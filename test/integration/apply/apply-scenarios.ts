import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test, type TestContext } from 'node:test';
import {
  ApplyFailedError,
  ApplyPlanError,
  applyBinlogs,
  type ApplyProgress,
  type ApplyRoute,
  type ApplyStop,
} from '../../../adapters/apply';
import { readExecutedGtids } from '../../../adapters/apply/server-state';
import { connectionOf, firstRow, withSql } from '../../../adapters/engines/sql-connection';
import type { Flavor } from '../../../adapters/servers/db-instance';
import { canonicalGtidText } from '../../../domain/gtid';
import { testStack } from '../../harness/env';
import { restoredInstance } from './restored-instance';
import { fingerprint, recordSourceHistory, runSqlScript, type SourceHistory, type SourceTransaction } from './source-history';

const ROUTES: ApplyRoute[] = ['replication-applier', 'binlog-pipe'];

async function replicationConfigured(conn: Parameters<typeof fingerprint>[0], flavor: Flavor): Promise<boolean> {
  const [rows] = await conn.query(flavor === 'mysql' ? 'SHOW REPLICA STATUS' : 'SHOW SLAVE STATUS');
  return (rows as unknown[]).length > 0;
}

function commitSyncs(conn: Parameters<typeof fingerprint>[0]): Promise<unknown> {
  return firstRow(conn, 'SELECT @@GLOBAL.sync_binlog AS sync_binlog, @@GLOBAL.innodb_flush_log_at_trx_commit AS flush_log_at_commit');
}

/**
 * Restores the base backup, applies the binlogs up to `stop` and checks that the server holds
 * exactly what the source held right after `target`: same contents, same GTID state, the
 * transactions in between counted, progress reported to the end, replication reset, commit
 * syncs as before.
 */
async function assertRestoredThrough(
  t: TestContext,
  history: SourceHistory,
  route: ApplyRoute,
  stop: ApplyStop,
  target: SourceTransaction,
): Promise<void> {
  const { flavor } = history;
  const instance = await restoredInstance(t, history);
  const syncsBefore = await withSql(connectionOf(instance), commitSyncs);
  const progress: ApplyProgress[] = [];
  const result = await applyBinlogs({
    flavor,
    db: connectionOf(instance),
    binlogFiles: history.binlogFiles,
    stop,
    route,
    progressIntervalMs: 200,
    onProgress: (p) => progress.push(p),
  });
  const expectedGtids = canonicalGtidText(flavor, target.executedAfter);
  const transactions = history.afterBackup.indexOf(target) + 1;
  assert.equal(result.route, route);
  assert.equal(result.appliedThrough, expectedGtids);
  assert.equal(result.transactionsApplied, transactions);
  await withSql(connectionOf(instance), async (conn) => {
    assert.equal(await fingerprint(conn), target.contentsAfter);
    assert.equal(canonicalGtidText(flavor, await readExecutedGtids(conn, flavor)), expectedGtids);
    if (flavor === 'mariadb') {
      const current = await firstRow<{ pos: string }>(conn, 'SELECT @@GLOBAL.gtid_current_pos AS pos');
      assert.equal(canonicalGtidText(flavor, current?.pos ?? ''), expectedGtids);
    }
    assert.equal(await replicationConfigured(conn, flavor), false, 'replication configuration is reset after the apply');
    assert.deepEqual(await commitSyncs(conn), syncsBefore, 'the server syncs commits as before the apply');
  });
  const last = progress[progress.length - 1];
  assert.deepEqual(
    { transactions: last?.transactions, bytesApplied: last?.bytesApplied, appliedThrough: last?.appliedThrough },
    { transactions, bytesApplied: last?.bytesTotal, appliedThrough: expectedGtids },
  );
  t.diagnostic(`${transactions} transactions, ${last?.bytesTotal} bytes in ${result.seconds.toFixed(2)}s`);
}

/** The integration tests of `applyBinlogs` on one flavor, both routes, against a recorded source history. */
export function defineApplyTests(flavor: Flavor): void {
  let history: SourceHistory;
  const secondStream = flavor === 'mysql' ? 'a tagged GTID' : 'a GTID of another domain';

  before(async () => {
    history = await recordSourceHistory(flavor, mkdtempSync(join(testStack().stateDir, 'apply-')));
    assert.ok(history.binlogFiles.length >= 3, `the workload spans ${history.binlogFiles.length} binlog files`);
  });

  const inFile = (file: number): SourceTransaction[] => history.afterBackup.filter((trx) => trx.file === file);

  for (const route of ROUTES) {
    describe(`${flavor} ${route}`, () => {
      test(`stops exactly after ${secondStream} in the middle of the second file`, async (t) => {
        const candidates = inFile(2).filter((trx) => trx.secondStream);
        const target = candidates[Math.floor(candidates.length / 2)]!;
        assert.notEqual(target, inFile(2).at(-1));
        await assertRestoredThrough(t, history, route, { kind: 'gtid', gtid: target.gtid }, target);
      });

      test('stops exactly after the last transaction of the second file', async (t) => {
        const target = inFile(2).at(-1)!;
        await assertRestoredThrough(t, history, route, { kind: 'gtid', gtid: target.gtid }, target);
      });

      test('applies every transaction of the binlogs with stop "all"', async (t) => {
        await assertRestoredThrough(t, history, route, { kind: 'all' }, history.afterBackup.at(-1)!);
      });

      test('ends with ApplyFailedError carrying the server message when a restored row conflicts', async (t) => {
        const instance = await restoredInstance(t, history);
        runSqlScript(
          instance,
          `SET SESSION sql_log_bin = 0;\nINSERT INTO app.ledger (id, seq, note) VALUES (${history.firstIdAfterBackup}, -1, 'conflict');\n`,
        );
        const apply = applyBinlogs({ flavor, db: connectionOf(instance), binlogFiles: history.binlogFiles, stop: { kind: 'all' }, route });
        await assert.rejects(apply, (err: unknown) => {
          assert.ok(err instanceof ApplyFailedError, String(err));
          assert.match(err.serverError, /Duplicate entry '\d+' for key/);
          assert.equal(err.terminal, true);
          return true;
        });
        await withSql(connectionOf(instance), async (conn) => assert.equal(await replicationConfigured(conn, flavor), false));
      });
    });
  }

  test(`${flavor} replication-applier refuses, before applying anything, a restored server with the source's server_id`, async (t) => {
    const instance = await restoredInstance(t, history, 1);
    const apply = applyBinlogs({ flavor, db: connectionOf(instance), binlogFiles: history.binlogFiles, stop: { kind: 'all' } });
    await assert.rejects(apply, (err: unknown) => {
      assert.ok(err instanceof ApplyPlanError, String(err));
      assert.match(err.message, /server_id 1, the same as the server that wrote .*: its applier would skip those transactions/);
      return true;
    });
    await withSql(connectionOf(instance), async (conn) => {
      assert.equal(canonicalGtidText(flavor, await readExecutedGtids(conn, flavor)), canonicalGtidText(flavor, history.coordinate));
    });
  });

  test(`${flavor} replication-applier stops after the last transaction of the binlogs that a GTID set holds`, async (t) => {
    const target = inFile(3)[2]!;
    await assertRestoredThrough(t, history, 'replication-applier', { kind: 'gtid-set', set: target.executedAfter }, target);
  });
}
