import assert from 'node:assert/strict';
import { test } from 'node:test';
import { contentionVerdict, type LockContention, type LockWaiter } from '../../../activities/backup/lock-contention';

const limits = { maxLockWaiters: 1, maxLockWaitSeconds: 30, maxDdlSeconds: 60 };

function waiter(threadId: number, seconds: number): LockWaiter {
  return {
    threadId,
    statement: 'ALTER TABLE d.t ADD COLUMN v INT',
    command: 'Query',
    seconds,
    blockers: [{ threadId: 7, statement: 'SELECT * FROM d.t', command: 'Sleep', seconds: 40 }],
  };
}

const found = (waiters: LockWaiter[], longDdl: LockContention['longDdl'] = []): LockContention => ({
  waiters,
  longDdl,
  source: 'performance_schema.metadata_locks',
});

test('a lock queue within both limits lets the backup go ahead', () => {
  assert.equal(contentionVerdict(found([]), limits), undefined);
  assert.equal(contentionVerdict(found([waiter(9, 30)]), limits), undefined);
});

test('more waiters than the limit defer, naming each waiter and what blocks it', () => {
  const verdict = contentionVerdict(found([waiter(9, 2), waiter(10, 1)]), limits);
  assert.equal(
    verdict,
    '2 session(s) wait for a table metadata lock (limit 1), the longest for 2s (limit 30s): ' +
      "thread 9 (2s 'ALTER TABLE d.t ADD COLUMN v INT') waits, blocked by thread 7 (40s, idle in an open transaction, last statement 'SELECT * FROM d.t'); " +
      "thread 10 (1s 'ALTER TABLE d.t ADD COLUMN v INT') waits, blocked by thread 7 (40s, idle in an open transaction, last statement 'SELECT * FROM d.t') " +
      '[read from performance_schema.metadata_locks]',
  );
});

test('one waiter past the wait limit defers however few wait', () => {
  assert.match(contentionVerdict(found([waiter(9, 31)]), limits) ?? '', /^1 session\(s\) wait .* the longest for 31s \(limit 30s\)/);
});

test('DDL past maxDdlSeconds defers on its own', () => {
  const ddl = { threadId: 12, statement: 'OPTIMIZE TABLE d.big', command: 'Query', seconds: 61 };
  assert.equal(
    contentionVerdict(found([], [ddl]), limits),
    "1 DDL statement(s) running longer than 60s: thread 12 (61s 'OPTIMIZE TABLE d.big')",
  );
});
