import assert from 'node:assert/strict';
import { test } from 'node:test';
import { arrivalWindow, withArrival } from '../../../domain/archive/arrival';

/** A live stretch from 1,000 bytes: the file grew to 1,500 between the looks at 10 and 20, to 1,800 between 30 and 40. */
const looks = [
  { size: 1000, byMicros: 5 },
  { size: 1500, byMicros: 21, sinceMicros: 10 },
  { size: 1800, byMicros: 41, sinceMicros: 30 },
];

test('a transaction is dated by the look that first held its end and the one before it', () => {
  assert.deepEqual(arrivalWindow(looks, 1200), { afterMicros: 10, byMicros: 21 });
  assert.deepEqual(arrivalWindow(looks, 1500), { afterMicros: 10, byMicros: 21 });
  assert.deepEqual(arrivalWindow(looks, 1501), { afterMicros: 30, byMicros: 41 });
});

test('bytes the first look of a stretch already held, or no look has held yet, are not dated', () => {
  assert.equal(arrivalWindow(looks, 900), undefined);
  assert.equal(arrivalWindow(looks, 1801), undefined);
  assert.equal(arrivalWindow([], 10), undefined);
});

test('only a transaction the streamed server committed is dated; a replicated one arrived a replication lag late', () => {
  const trx = { gtid: '0-7-12', start: 1100, end: 1200, commitTime: { micros: 0, precision: 's' as const } };
  assert.deepEqual(withArrival(trx, looks, 7).received, { afterMicros: 10, byMicros: 21 });
  assert.equal(withArrival(trx, looks, 8).received, undefined);
});

test("an arrival dated before the second the server stamped (the agent's clock behind the server's) dates nothing", () => {
  const trx = { gtid: '0-7-12', start: 1100, end: 1200, commitTime: { micros: 1_000_000, precision: 's' as const } };
  assert.equal(withArrival(trx, looks, 7).received, undefined);
});
