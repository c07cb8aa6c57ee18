import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { appliedPrefix, planApply } from '../../../activities/apply/apply-plan';
import { ApplyPlanError } from '../../../activities/apply/errors';
import { mariadbGtids, mysqlGtids } from '../../../activities/apply/flavor-gtids';
import { MariadbGtidPosition, MysqlGtidSet } from '../../../domain/gtid';
import { binlog, endOf, mysqlRange, OTHER, SOURCE, startOf, TRANSACTION_BYTES } from './binlog-fixtures';

const S = SOURCE;
const mysqlFiles = [
  binlog('mysql', 'binlog.000001', '', mysqlRange(1, 10)),
  binlog('mysql', 'binlog.000002', `${S}:1-10`, [`${S}:11`, `${S}:12`, `${S}:pitr:1`, `${S}:13`, `${S}:pitr:2`, `${S}:14`]),
  binlog('mysql', 'binlog.000003', `${S}:1-14:pitr:1-2`, mysqlRange(15, 17)),
];
const set = (text: string): MysqlGtidSet => MysqlGtidSet.parse(text);
const planMysql = (restored: string, stop: Parameters<typeof planApply>[3], files = mysqlFiles) => planApply(mysqlGtids, files, set(restored), stop);

describe('planning a MySQL apply', () => {
  test('starts at the first transaction the restored server lacks, even in the middle of a file, and ends at the stop', () => {
    const plan = planMysql(`${S}:1-6`, { kind: 'gtid', gtid: `${S.toUpperCase()}:PITR:1` });
    assert.deepEqual(plan.files.map((f) => f.path), ['binlog.000001', 'binlog.000002']);
    assert.equal(plan.startOffset, startOf(6));
    assert.equal(plan.stopOffset, endOf(2));
    assert.deepEqual(plan.pending.map((p) => p.gtid), [...mysqlRange(7, 12), `${S}:pitr:1`]);
    assert.equal(plan.bytesTotal, 7 * TRANSACTION_BYTES);
    assert.equal(plan.pending.at(-1)?.bytesThrough, plan.bytesTotal);
    assert.equal(plan.expected.toString(), `${S}:1-12:pitr:1`);
  });

  test('"all" ends after the last transaction of the last file', () => {
    const plan = planMysql(`${S}:1-6`, { kind: 'all' });
    assert.equal(plan.files.length, 3);
    assert.equal(plan.stopOffset, endOf(2));
    assert.equal(plan.pending.length, 13);
    assert.equal(plan.expected.toString(), `${S}:1-17:pitr:1-2`);
  });

  test('a GTID set stops after its last transaction in binlog order, with every transaction before it', () => {
    const plan = planMysql(`${S}:1-6`, { kind: 'gtid-set', set: `${S}:1-13` });
    assert.equal(plan.stopOffset, endOf(3));
    assert.equal(plan.expected.toString(), `${S}:1-13:pitr:1`);
  });

  test('a GTID set holding transactions found nowhere is refused', () => {
    assert.throws(() => planMysql(`${S}:1-6`, { kind: 'gtid-set', set: `${S}:1-13,${OTHER}:1` }), (err: unknown) => {
      assert.ok(err instanceof ApplyPlanError);
      assert.match(err.message, new RegExp(`${OTHER}:1 of the stop set are neither`));
      return true;
    });
  });

  test('transactions the restored server already has are skipped, holes included', () => {
    const plan = planMysql(`${S}:1-6:9`, { kind: 'gtid', gtid: `${S}:11` });
    assert.deepEqual(plan.pending.map((p) => p.gtid), [`${S}:7`, `${S}:8`, `${S}:10`, `${S}:11`]);
    assert.equal(plan.startOffset, startOf(6));
    assert.equal(plan.expected.toString(), `${S}:1-11`);
  });

  test('a stop at the restored state itself leaves nothing to apply', () => {
    const plan = planMysql(`${S}:1-10`, { kind: 'gtid', gtid: `${S}:10` });
    assert.deepEqual(plan.files, []);
    assert.deepEqual(plan.pending, []);
    assert.equal(plan.expected.toString(), `${S}:1-10`);
  });

  const refusals: Array<[string, () => unknown, RegExp]> = [
    ['a stop that is not in the binlogs', () => planMysql(`${S}:1-6`, { kind: 'gtid', gtid: `${S}:99` }), /transaction .*:99 is not in the binlogs/],
    [
      'a restored server already past the stop',
      () => planMysql(`${S}:1-12`, { kind: 'gtid', gtid: `${S}:11` }),
      new RegExp(`already holds ${S}:12, which comes after the stop ${S}:11`),
    ],
    [
      'binlogs that begin after the restored state',
      () => planMysql(`${S}:1-3`, { kind: 'all' }, mysqlFiles.slice(1)),
      new RegExp(`the binlogs start after the restored state: ${S}:4-10 precede binlog.000002`),
    ],
    [
      'a file missing in the middle',
      () => planMysql(`${S}:1-6`, { kind: 'all' }, [mysqlFiles[0]!, mysqlFiles[2]!]),
      /binlog.000003 does not continue binlog.000001/,
    ],
    [
      'a transaction without a GTID',
      () => planMysql(`${S}:1-6`, { kind: 'all' }, [binlog('mysql', 'binlog.000001', '', [...mysqlRange(1, 7), null])]),
      /binlog.000001 holds a transaction without a GTID at offset 900/,
    ],
  ];
  for (const [what, plan, message] of refusals) {
    test(`refuses ${what}`, () => {
      assert.throws(plan, (err: unknown) => {
        assert.ok(err instanceof ApplyPlanError, String(err));
        assert.match(err.message, message);
        assert.equal(err.terminal, true);
        return true;
      });
    });
  }
});

const mariadbFiles = [
  binlog('mariadb', 'mariadb-bin.000001', '0-1-3', ['0-1-4', '0-1-5', '1-1-1', '0-1-6', '1-1-2']),
  // A Gtid_list names every server a domain has seen; the highest sequence number counts.
  binlog('mariadb', 'mariadb-bin.000002', '0-9-2,0-1-6,1-1-2', ['0-1-7', '1-1-3', '0-1-8']),
];
const planMariadb = (restored: string, stop: Parameters<typeof planApply>[3]) =>
  planApply(mariadbGtids, mariadbFiles, MariadbGtidPosition.parse(restored), stop);

describe('planning a MariaDB apply', () => {
  test('starts at the first transaction after the restored position and ends at the stop, per domain', () => {
    const plan = planMariadb('0-1-5', { kind: 'gtid', gtid: '1-1-2' });
    assert.deepEqual(plan.pending.map((p) => p.gtid), ['1-1-1', '0-1-6', '1-1-2']);
    assert.equal(plan.startOffset, startOf(2));
    assert.equal(plan.stopOffset, endOf(4));
    assert.equal(plan.expected.toString(), '0-1-6,1-1-2');
  });

  test('"all" crosses files whose Gtid_list names several servers for a domain', () => {
    const plan = planMariadb('0-1-5', { kind: 'all' });
    assert.deepEqual(plan.files.map((f) => f.path), ['mariadb-bin.000001', 'mariadb-bin.000002']);
    assert.equal(plan.expected.toString(), '0-1-8,1-1-3');
  });

  test('a position stops after the last transaction of the binlogs that it holds', () => {
    const plan = planMariadb('0-1-5', { kind: 'gtid-set', set: '0-1-7,1-1-2' });
    assert.equal(plan.stopOffset, endOf(0));
    assert.equal(plan.expected.toString(), '0-1-7,1-1-2');
  });

  test('refuses a restored position that is not a point of the binlogs: the applier would replay what it has', () => {
    assert.throws(() => planMariadb('0-1-6', { kind: 'all' }), (err: unknown) => {
      assert.ok(err instanceof ApplyPlanError);
      assert.match(err.message, /holds 0-1-6 but not 1-1-1, which comes before it/);
      return true;
    });
  });
});

test('the applied prefix of the pending transactions is found from the executed state', () => {
  const plan = planMysql(`${S}:1-6`, { kind: 'all' });
  assert.equal(appliedPrefix(mysqlGtids, plan.pending, set(`${S}:1-6`)), 0);
  assert.equal(appliedPrefix(mysqlGtids, plan.pending, set(`${S}:1-12`)), 6);
  assert.equal(appliedPrefix(mysqlGtids, plan.pending, set(`${S}:1-12:pitr:1`)), 7);
  assert.equal(appliedPrefix(mysqlGtids, plan.pending, plan.expected), plan.pending.length);
});
