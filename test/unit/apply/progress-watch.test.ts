import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planApply } from '../../../adapters/apply/apply-plan';
import { ApplyAbortedError, ApplyStalledError } from '../../../adapters/apply/errors';
import { mysqlGtids } from '../../../adapters/apply/flavor-gtids';
import { watchApply, type ApplyProbe } from '../../../adapters/apply/progress-watch';
import type { ApplyProgress } from '../../../adapters/apply/types';
import { MysqlGtidSet } from '../../../domain/gtid';
import { binlog, mysqlRange, SOURCE, TRANSACTION_BYTES } from './binlog-fixtures';

const plan = planApply(mysqlGtids, [binlog('mysql', 'binlog.000001', '', mysqlRange(1, 10))], MysqlGtidSet.parse(`${SOURCE}:1-4`), {
  kind: 'all',
});

/** A probe that returns the given looks in turn, then the last one forever. */
function scripted(looks: ApplyProbe[]): () => Promise<ApplyProbe> {
  let i = 0;
  return async () => looks[Math.min(i++, looks.length - 1)]!;
}

test('reports the transactions and bytes applied at every look, and ends when the probe says done', async () => {
  const progress: ApplyProgress[] = [];
  const executed = await watchApply(
    { gtids: mysqlGtids, plan, onProgress: (p) => progress.push(p), intervalMs: 1, stallMs: 60_000 },
    scripted([
      { executed: `${SOURCE}:1-4`, activity: '', done: false },
      { executed: `${SOURCE}:1-7`, activity: '', done: false },
      { executed: `${SOURCE}:1-10`, activity: '', done: true },
    ]),
  );
  assert.equal(executed, `${SOURCE}:1-10`);
  assert.deepEqual(
    progress.map((p) => [p.transactions, p.bytesApplied]),
    [
      [0, 0],
      [3, 3 * TRANSACTION_BYTES],
      [6, 6 * TRANSACTION_BYTES],
    ],
  );
  assert.deepEqual([progress[0]?.transactionsTotal, progress[0]?.bytesTotal], [6, 6 * TRANSACTION_BYTES]);
});

test('anything moving (rows written during one long transaction) keeps a stall from being declared', async () => {
  let rows = 0;
  const executed = await watchApply({ gtids: mysqlGtids, plan, intervalMs: 5, stallMs: 40 }, async () => {
    rows += 1;
    return { executed: `${SOURCE}:1-4`, activity: String(rows), done: rows === 30 };
  });
  assert.equal(executed, `${SOURCE}:1-4`);
});

test('nothing moving for the stall time ends with ApplyStalledError naming how far it got, terminal: not retried on the half-applied server', async () => {
  await assert.rejects(
    watchApply(
      { gtids: mysqlGtids, plan, intervalMs: 5, stallMs: 40 },
      scripted([{ executed: `${SOURCE}:1-6`, activity: 'same', done: false }]),
    ),
    (err: unknown) => {
      assert.ok(err instanceof ApplyStalledError);
      assert.match(err.message, new RegExp(`applied through ${SOURCE}:1-6`));
      assert.equal(err.terminal, true);
      return true;
    },
  );
});

test('the abort signal ends the watch with ApplyAbortedError', async () => {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 20);
  await assert.rejects(
    watchApply({ gtids: mysqlGtids, plan, intervalMs: 60_000, stallMs: 120_000, signal: controller.signal }, async () => ({
      executed: '',
      activity: '',
      done: false,
    })),
    ApplyAbortedError,
  );
});
