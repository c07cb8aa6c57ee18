import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GtidRangeError, MAX_GNO, MysqlGtidSet } from '../../../domain/gtid';
import { UUID_A, UUID_B } from './arbitraries';
import { expectedFixtures } from '../../fixtures/binlogs/expected';

const set = (text: string): MysqlGtidSet => MysqlGtidSet.parse(text);

describe('MySQL GTID set canonical text', () => {
  // Each expected text is what MySQL 9.7.4 printed for GTID_SUBTRACT(input, '') (newlines after commas removed).
  const cases: Array<[string, string]> = [
    [`${UUID_B}:1-5:tag1:1-3:7`, `${UUID_B}:1-5:tag1:1-3:7`],
    [`${UUID_B}:tag1:1-3:7:1-5`, `${UUID_B}:tag1:1-5:7`],
    [`${UUID_B}:Tag1:1-3,${UUID_B}:1-5`, `${UUID_B}:1-5:tag1:1-3`],
    [`${UUID_B}:b:1-3,${UUID_B}:a:2:1-5,${UUID_A}:3`, `${UUID_A}:3,${UUID_B}:a:1-5:b:1-3`],
    [`  ${UUID_B} : 1 - 5 ,\n ${UUID_A}:3 `, `${UUID_A}:3,${UUID_B}:1-5`],
    [`${UUID_B.toUpperCase()}:1-5`, `${UUID_B}:1-5`],
    [`${UUID_B}:1-5:6-8:10`, `${UUID_B}:1-8:10`],
    [`${UUID_B}:5-5`, `${UUID_B}:5`],
    [`${UUID_B}:3:1`, `${UUID_B}:1:3`],
    [`${UUID_B}:01-05`, `${UUID_B}:1-5`],
    [`${UUID_B}:TAG_x:3`, `${UUID_B}:tag_x:3`],
    [`${UUID_B}:a_:1,${UUID_B}:a1:1,${UUID_B}:a:1,${UUID_B}:_a:1,${UUID_B}:1,${UUID_B}:z:1`, `${UUID_B}:1:_a:1:a:1:a1:1:a_:1:z:1`],
    [`${UUID_B}:1-9223372036854775806`, `${UUID_B}:1-9223372036854775806`],
    ['', ''],
    [' \n ', ''],
  ];
  for (const [input, canonical] of cases) {
    test(`${JSON.stringify(input)} prints as ${JSON.stringify(canonical)}`, () => {
      assert.equal(set(input).toString(), canonical);
    });
  }

  test('@@gtid_executed as the server prints it, with a newline after each comma', () => {
    const executed = `${UUID_A}:1-3,\n${UUID_B}:1-2151:billing:1-5`;
    assert.equal(set(executed).toString(), `${UUID_A}:1-3,${UUID_B}:1-2151:billing:1-5`);
  });

  test("the fixture binlogs' Previous-GTIDs and GTIDs read back as mysqlbinlog printed them", () => {
    for (const [file, info] of expectedFixtures()) {
      if (info.flavor !== 'mysql') continue;
      assert.equal(set(info.previousGtids).toString(), info.previousGtids, file);
      assert.equal(set(info.gtids ?? '').toString(), info.gtids, file);
    }
  });
});

describe('MySQL GTID set operations', () => {
  test('union merges overlapping and adjacent intervals and keeps tags apart', () => {
    assert.equal(
      set(`${UUID_B}:1-5:billing:1-2`)
        .union(set(`${UUID_B}:6-9:12,${UUID_B}:billing:4,${UUID_A}:7`))
        .toString(),
      `${UUID_A}:7,${UUID_B}:1-9:12:billing:1-2:4`,
    );
  });

  test('subtract removes GTIDs, splitting intervals, and drops sources left empty', () => {
    assert.equal(
      set(`${UUID_B}:1-10:t:1-4,${UUID_A}:1-3`)
        .subtract(set(`${UUID_B}:3-4:t:2,${UUID_A}:1-3`))
        .toString(),
      `${UUID_B}:1-2:5-10:t:1:3-4`,
    );
  });

  test('intersect keeps the GTIDs both sets hold', () => {
    assert.equal(
      set(`${UUID_B}:1-10:20-30,${UUID_A}:1-3`)
        .intersect(set(`${UUID_B}:5-25:billing:1`))
        .toString(),
      `${UUID_B}:5-10:20-25`,
    );
  });

  test('contains is a superset test, tag by tag', () => {
    const executed = set(`${UUID_B}:1-2151:billing:1-5`);
    assert.equal(executed.contains(set(`${UUID_B}:100-200:billing:5`)), true);
    assert.equal(executed.contains(set(`${UUID_B}:billing:6`)), false);
    assert.equal(executed.contains(set(`${UUID_B}:2152`)), false);
    assert.equal(executed.contains(set(`${UUID_A}:1`)), false);
    assert.equal(executed.contains(MysqlGtidSet.empty()), true);
    assert.equal(MysqlGtidSet.empty().contains(executed), false);
  });

  test('equals compares content, not spelling', () => {
    assert.equal(set(`${UUID_B}:1-3:4-5`).equals(set(`${UUID_B.toUpperCase()}:5:1-4`)), true);
    assert.equal(set(`${UUID_B}:1-5`).equals(set(`${UUID_B}:1-4`)), false);
    assert.equal(set(`${UUID_B}:1-5`).equals(set(`${UUID_B}:x:1-5`)), false);
  });

  test('count is exact beyond 2^53', () => {
    assert.equal(set(`${UUID_B}:1-5:9-10:t:3`).count(), 8n);
    assert.equal(set(`${UUID_B}:1-${MAX_GNO},${UUID_A}:1-${MAX_GNO}`).count(), 2n * MAX_GNO);
  });

  test('isEmpty', () => {
    assert.equal(set('').isEmpty(), true);
    assert.equal(set(`${UUID_B}:1`).isEmpty(), false);
    assert.equal(
      set(`${UUID_B}:1`)
        .subtract(set(`${UUID_B}:1`))
        .isEmpty(),
      true,
    );
  });

  test('gaps lists the GTIDs missing between intervals of each source', () => {
    assert.equal(set(`${UUID_B}:1-5:9-10`).gaps().toString(), `${UUID_B}:6-8`);
    assert.equal(set(`${UUID_A}:3-4:6:10,${UUID_B}:7:billing:1-2:5`).gaps().toString(), `${UUID_A}:5:7-9,${UUID_B}:billing:3-4`);
    assert.equal(set(`${UUID_B}:3-9`).gaps().isEmpty(), true);
  });

  test('sources and intervalsOf expose the normalised content', () => {
    const s = set(`${UUID_B}:billing:1-3,${UUID_B}:7:1-5`);
    assert.deepEqual(s.sources(), [UUID_B, `${UUID_B}:billing`]);
    assert.deepEqual(s.intervalsOf(`${UUID_B.toUpperCase()}:BILLING`), [{ start: 1n, end: 3n }]);
    assert.deepEqual(s.intervalsOf(UUID_B), [
      { start: 1n, end: 5n },
      { start: 7n, end: 7n },
    ]);
    assert.deepEqual(s.intervalsOf(UUID_A), []);
  });

  test('fromIntervals refuses intervals MySQL cannot hold', () => {
    assert.throws(() => MysqlGtidSet.fromIntervals([[UUID_B, [{ start: 0n, end: 3n }]]]), GtidRangeError);
    assert.throws(() => MysqlGtidSet.fromIntervals([[UUID_B, [{ start: 1n, end: MAX_GNO + 1n }]]]), GtidRangeError);
    assert.throws(() => MysqlGtidSet.fromIntervals([[UUID_B, [{ start: 5n, end: 3n }]]]), GtidRangeError);
  });
});
