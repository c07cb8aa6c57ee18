import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planApply } from '../../../adapters/apply/apply-plan';
import { binlogToolCommand } from '../../../adapters/apply/binlog-pipe-route';
import { ApplyAbortedError, ApplyFailedError } from '../../../adapters/apply/errors';
import { mysqlGtids } from '../../../adapters/apply/flavor-gtids';
import { runPipe } from '../../../adapters/apply/process-pipe';
import { MysqlGtidSet } from '../../../domain/gtid';
import { binlog, endOf, mysqlRange, SOURCE, startOf } from './binlog-fixtures';

test('the binlog tool starts at the first pending transaction of the first file and stops at the end of the stop transaction in the last', () => {
  const files = [
    binlog('mysql', '/b/binlog.000001', '', mysqlRange(1, 5)),
    binlog('mysql', '/b/binlog.000002', `${SOURCE}:1-5`, mysqlRange(6, 9)),
  ];
  const plan = planApply(mysqlGtids, files, MysqlGtidSet.parse(`${SOURCE}:1-3`), { kind: 'gtid', gtid: `${SOURCE}:7` });
  assert.deepEqual(binlogToolCommand('mysql', '/usr/bin/mysqlbinlog', plan.runs[0]!), {
    tool: 'mysqlbinlog',
    argv: ['/usr/bin/mysqlbinlog', `--start-position=${startOf(3)}`, `--stop-position=${endOf(1)}`, '/b/binlog.000001', '/b/binlog.000002'],
  });
});

const sh = (tool: string, script: string) => ({ tool, argv: ['sh', '-c', script] });

test('every byte the producer writes reaches the consumer, and is counted', async () => {
  let counted = 0;
  await runPipe(
    sh('producer', 'head -c 300000 /dev/zero'),
    sh('consumer', 'test "$(wc -c)" -eq 300000'),
    (n) => (counted += n),
    new AbortController().signal,
  );
  assert.equal(counted, 300000);
});

test("a consumer that fails ends the pipe with its stderr, ahead of the producer's", async () => {
  await assert.rejects(
    runPipe(
      sh('producer', 'echo rows; echo producer noise >&2; exit 2'),
      sh('mysql', 'cat >/dev/null; echo "ERROR 1062 (23000) at line 3: Duplicate entry" >&2; exit 1'),
      () => undefined,
      new AbortController().signal,
    ),
    (err: unknown) => {
      assert.ok(err instanceof ApplyFailedError);
      assert.equal(
        err.serverError,
        'mysql exited with code 1: ERROR 1062 (23000) at line 3: Duplicate entry\nproducer exited with code 2: producer noise',
      );
      assert.equal(err.terminal, true);
      return true;
    },
  );
});

test('a producer that fails while the consumer succeeds still fails the pipe', async () => {
  await assert.rejects(
    runPipe(
      sh('mysqlbinlog', 'echo "Could not read entry at offset 120" >&2; exit 1'),
      sh('mysql', 'cat >/dev/null'),
      () => undefined,
      new AbortController().signal,
    ),
    /mysqlbinlog exited with code 1: Could not read entry at offset 120/,
  );
});

test('aborting stops both processes', async () => {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 50);
  await assert.rejects(
    runPipe(sh('producer', 'sleep 30'), sh('consumer', 'cat >/dev/null'), () => undefined, controller.signal),
    ApplyAbortedError,
  );
});
