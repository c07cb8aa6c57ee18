import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GtidRangeError, MariadbGtidSetBuilder } from '../../../domain/gtid';

function setOf(...gtids: Array<[number, number, bigint]>): string {
  const builder = new MariadbGtidSetBuilder();
  for (const [domain, server, seq] of gtids) builder.add(domain, server, seq);
  return builder.build().toString();
}

test('consecutive sequence numbers of one server and domain make one run; a single one keeps the GTID form', () => {
  assert.equal(setOf([0, 11, 2152n], [0, 11, 2153n], [0, 11, 2154n], [1, 11, 7n]), '0-11-2152..2154,1-11-7');
  assert.equal(setOf(), '');
});

test('domains written in between do not break a run, and domains print in ascending order', () => {
  assert.equal(setOf([1, 1, 1n], [0, 1, 5n], [1, 1, 2n], [0, 1, 6n], [1, 1, 3n]), '0-1-5..6,1-1-1..3');
});

test('a gap in a domain stays a gap: the set names only the transactions it holds', () => {
  assert.equal(setOf([0, 1, 5n], [0, 1, 6n], [0, 1, 100n]), '0-1-5..6,0-1-100');
});

test("a domain that changed hands reads in history order, with each server id's runs", () => {
  assert.equal(setOf([0, 1, 5n], [0, 1, 6n], [0, 2, 7n], [0, 2, 8n], [0, 1, 9n]), '0-1-5..6,0-2-7..8,0-1-9');
});

test('without gtid_strict_mode, a number going back and the same number from two servers are both kept', () => {
  assert.equal(setOf([0, 1, 10n], [0, 1, 4n], [0, 1, 5n], [0, 1, 11n]), '0-1-4..5,0-1-10..11');
  assert.equal(setOf([0, 1, 7n], [0, 2, 7n]), '0-1-7,0-2-7');
});

test('runs expose the numbers exactly, beyond 2^53', () => {
  const builder = new MariadbGtidSetBuilder().add(4294967295, 4294967295, 2n ** 64n - 2n).add(4294967295, 4294967295, 2n ** 64n - 1n);
  assert.deepEqual(builder.build().runs(), [{ domain: 4294967295, server: 4294967295, first: 2n ** 64n - 2n, last: 2n ** 64n - 1n }]);
});

test('values MariaDB cannot store are refused', () => {
  const builder = new MariadbGtidSetBuilder();
  assert.throws(() => builder.add(-1, 1, 1n), GtidRangeError);
  assert.throws(() => builder.add(2 ** 32, 1, 1n), GtidRangeError);
  assert.throws(() => builder.add(0, 1.5, 1n), GtidRangeError);
  assert.throws(() => builder.add(0, 1, 0n), /MariaDB sequence number 0 is outside 1\.\.18446744073709551615/);
  assert.throws(() => builder.add(0, 1, 2n ** 64n), GtidRangeError);
  assert.equal(builder.build().toString(), '');
});
