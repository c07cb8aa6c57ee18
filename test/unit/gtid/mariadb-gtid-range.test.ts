import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { MariadbGtidOrderError, MariadbGtidPosition, MariadbGtidRange } from '../../../domain/gtid';

const fixtures = resolve(__dirname, '../../../..', '../shared/fixtures/binlogs');

test('the fixture binlog\'s transactions give the first and last GTIDs mariadb-binlog reported', () => {
  const info = (
    JSON.parse(readFileSync(resolve(fixtures, 'expected.json'), 'utf8')) as Record<
      string,
      { previousGtids: string; firstGtid: string; lastGtidPerDomain: string; transactions: number }
    >
  )['mariadb-10.11.19-ledger.000005']!;
  let range = MariadbGtidRange.empty();
  for (let seq = 2152n; seq <= 2453n; seq += 1n) range = range.withGtid(0, 11, seq);
  assert.equal(range.first.toString(), info.firstGtid);
  assert.equal(range.last.toString(), info.lastGtidPerDomain);
  assert.equal(Number(range.last.get(0)!.seq - range.first.get(0)!.seq + 1n), info.transactions);
  const before = MariadbGtidPosition.parse(info.previousGtids);
  assert.equal(before.union(range.last).toString(), '0-11-2453,2-11-5', 'where a server stands after applying the file');
  assert.equal(before.contains(range.first), false);
});

test('spans give each domain\'s first and last GTID in domain order', () => {
  const range = MariadbGtidRange.empty().withGtid(3, 1, 7n).withGtid(0, 1, 1n).withGtid(3, 2, 9n);
  assert.deepEqual(range.spans(), [
    { first: { domain: 0, server: 1, seq: 1n }, last: { domain: 0, server: 1, seq: 1n } },
    { first: { domain: 3, server: 1, seq: 7n }, last: { domain: 3, server: 2, seq: 9n } },
  ]);
  assert.equal(range.isEmpty(), false);
  assert.equal(MariadbGtidRange.empty().isEmpty(), true);
});

test('a sequence number going back in a domain is refused', () => {
  const range = MariadbGtidRange.empty().withGtid(0, 1, 7n);
  assert.throws(() => range.withGtid(0, 1, 6n), MariadbGtidOrderError);
});
