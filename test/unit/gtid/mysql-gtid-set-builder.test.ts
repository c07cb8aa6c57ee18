import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GtidParseError, GtidRangeError, MAX_GNO, MysqlGtidSet, MysqlGtidSetBuilder } from '../../../domain/gtid';
import { UUID_A, UUID_B } from './arbitraries';
import { fixtureOf } from '../../fixtures/binlogs/expected';
import { FOREIGN_GTID } from '../../fixtures/binlogs/workloads';
import { nextOwnGtid } from '../binlog/binlog-fixtures';

test('GTIDs added in order become one interval per source', () => {
  const builder = new MysqlGtidSetBuilder();
  for (let gno = 1n; gno <= 100_000n; gno += 1n) builder.add(UUID_B, gno);
  builder.add(`${UUID_B}:billing`, 1n).add(`${UUID_B}:billing`, 2n);
  const built = builder.build();
  assert.deepEqual(built.intervalsOf(UUID_B), [{ start: 1n, end: 100_000n }]);
  assert.equal(built.toString(), `${UUID_B}:1-100000:billing:1-2`);
});

test('GTIDs out of order, repeated or in any spelling of the source are merged', () => {
  const built = new MysqlGtidSetBuilder()
    .add(UUID_B, 5n)
    .add(UUID_B, 9n)
    .add(UUID_B.toUpperCase(), 1n)
    .add(UUID_B, 9n)
    .add(UUID_B, 6n)
    .add(UUID_B, 2n)
    .add(`${UUID_B}:Billing`, 4n)
    .add(UUID_A, MAX_GNO)
    .build();
  assert.equal(built.toString(), `${UUID_A}:${MAX_GNO},${UUID_B}:1-2:5-6:9:billing:4`);
});

test("the fixture binlog's transactions, fed one by one, give the GTID set mysqlbinlog reported", () => {
  const { previousGtids, gtids, transactions } = fixtureOf('mysql', 'ledger').expected;
  // The server's own transactions continue its history; one among them came from another source.
  const own = nextOwnGtid(previousGtids);
  const [foreignSource, foreignGno] = FOREIGN_GTID.split(':');
  const builder = new MysqlGtidSetBuilder();
  for (let gno = own.gno; gno < own.gno + BigInt(transactions - 1); gno += 1n) {
    builder.add(own.source, gno);
    if (gno === own.gno + 48n) builder.add(foreignSource!, BigInt(foreignGno!));
  }
  assert.ok(builder.build().equals(MysqlGtidSet.parse(gtids!)));
  assert.equal(builder.build().count(), BigInt(transactions));
});

test('a bad source or GNO is refused when added', () => {
  const builder = new MysqlGtidSetBuilder();
  assert.throws(() => builder.add('not-a-uuid', 1n), GtidParseError);
  assert.throws(
    () => builder.add(`${UUID_B}:1bad`, 1n),
    (err: unknown) => err instanceof GtidParseError && err.position === 37,
  );
  assert.throws(() => builder.add(UUID_B, 0n), GtidRangeError);
  assert.throws(
    () => builder.add(UUID_B, MAX_GNO + 1n),
    /GNO of e37df7ab-e7b0-11f1-bda4-02fc00000001 9223372036854775807 is outside 1\.\.9223372036854775806/,
  );
  assert.equal(builder.build().isEmpty(), true);
});
