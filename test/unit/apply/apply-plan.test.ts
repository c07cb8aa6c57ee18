import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { appliedPrefix, planApply, type ApplyPlan, type ApplyRun } from '../../../adapters/apply/apply-plan';
import { ApplyPlanError } from '../../../adapters/apply/errors';
import { mariadbGtids, mysqlGtids } from '../../../adapters/apply/flavor-gtids';
import { MariadbGtidPosition, MysqlGtidSet } from '../../../domain/gtid';
import { binlog, endOf, mysqlRange, OTHER, SOURCE, startOf, TRANSACTION_BYTES } from './binlog-fixtures';

const S = SOURCE;
const mysqlFiles = [
  binlog('mysql', 'binlog.000001', '', mysqlRange(1, 10)),
  binlog('mysql', 'binlog.000002', `${S}:1-10`, [`${S}:11`, `${S}:12`, `${S}:pitr:1`, `${S}:13`, `${S}:pitr:2`, `${S}:14`]),
  binlog('mysql', 'binlog.000003', `${S}:1-14:pitr:1-2`, mysqlRange(15, 17)),
];
/** The plan's one run: without a repeated transaction the binlogs are read through once. */
function onlyRun<T>(plan: ApplyPlan<T>): ApplyRun<T> {
  assert.equal(plan.runs.length, 1);
  return plan.runs[0]!;
}
const set = (text: string): MysqlGtidSet => MysqlGtidSet.parse(text);
const planMysql = (restored: string, stop: Parameters<typeof planApply>[3], files = mysqlFiles) =>
  planApply(mysqlGtids, files, set(restored), stop);

describe('planning a MySQL apply', () => {
  test('starts at the first transaction the restored server lacks, even in the middle of a file, and ends at the stop', () => {
    const plan = planMysql(`${S}:1-6`, { kind: 'gtid', gtid: `${S.toUpperCase()}:PITR:1` });
    assert.deepEqual(
      onlyRun(plan).files.map((f) => f.path),
      ['binlog.000001', 'binlog.000002'],
    );
    assert.equal(onlyRun(plan).startOffset, startOf(6));
    assert.equal(onlyRun(plan).stopOffset, endOf(2));
    assert.deepEqual(
      plan.pending.map((p) => p.gtid),
      [...mysqlRange(7, 12), `${S}:pitr:1`],
    );
    assert.equal(plan.bytesTotal, 7 * TRANSACTION_BYTES);
    assert.equal(plan.pending.at(-1)?.bytesThrough, plan.bytesTotal);
    assert.equal(plan.expected.toString(), `${S}:1-12:pitr:1`);
  });

  test('"all" ends after the last transaction of the last file', () => {
    const plan = planMysql(`${S}:1-6`, { kind: 'all' });
    assert.equal(onlyRun(plan).files.length, 3);
    assert.equal(onlyRun(plan).stopOffset, endOf(2));
    assert.equal(plan.pending.length, 13);
    assert.equal(plan.expected.toString(), `${S}:1-17:pitr:1-2`);
  });

  test('a GTID set stops after its last transaction in binlog order, with every transaction before it', () => {
    const plan = planMysql(`${S}:1-6`, { kind: 'gtid-set', set: `${S}:1-13` });
    assert.equal(onlyRun(plan).stopOffset, endOf(3));
    assert.equal(plan.expected.toString(), `${S}:1-13:pitr:1`);
  });

  test('a GTID set holding transactions found nowhere is refused', () => {
    assert.throws(
      () => planMysql(`${S}:1-6`, { kind: 'gtid-set', set: `${S}:1-13,${OTHER}:1` }),
      (err: unknown) => {
        assert.ok(err instanceof ApplyPlanError);
        assert.match(err.message, new RegExp(`${OTHER}:1 of the stop set are neither`));
        return true;
      },
    );
  });

  test('transactions the restored server already has are skipped, holes included', () => {
    const plan = planMysql(`${S}:1-6:9`, { kind: 'gtid', gtid: `${S}:11` });
    assert.deepEqual(
      plan.pending.map((p) => p.gtid),
      [`${S}:7`, `${S}:8`, `${S}:10`, `${S}:11`],
    );
    assert.equal(onlyRun(plan).startOffset, startOf(6));
    assert.equal(plan.expected.toString(), `${S}:1-11`);
  });

  test('a stop at the restored state itself leaves nothing to apply', () => {
    const plan = planMysql(`${S}:1-10`, { kind: 'gtid', gtid: `${S}:10` });
    assert.deepEqual(plan.runs, []);
    assert.deepEqual(plan.pending, []);
    assert.equal(plan.expected.toString(), `${S}:1-10`);
  });

  const refusals: Array<[string, () => unknown, RegExp]> = [
    [
      'a stop that is not in the binlogs',
      () => planMysql(`${S}:1-6`, { kind: 'gtid', gtid: `${S}:99` }),
      /transaction .*:99 is not in the binlogs/,
    ],
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
    assert.deepEqual(
      plan.pending.map((p) => p.gtid),
      ['1-1-1', '0-1-6', '1-1-2'],
    );
    assert.equal(onlyRun(plan).startOffset, startOf(2));
    assert.equal(onlyRun(plan).stopOffset, endOf(4));
    assert.equal(plan.expected.toString(), '0-1-6,1-1-2');
  });

  test('"all" crosses files whose Gtid_list names several servers for a domain', () => {
    const plan = planMariadb('0-1-5', { kind: 'all' });
    assert.deepEqual(
      onlyRun(plan).files.map((f) => f.path),
      ['mariadb-bin.000001', 'mariadb-bin.000002'],
    );
    assert.equal(plan.expected.toString(), '0-1-8,1-1-3');
  });

  test('a position stops after the last transaction of the binlogs that it holds', () => {
    const plan = planMariadb('0-1-5', { kind: 'gtid-set', set: '0-1-7,1-1-2' });
    assert.equal(onlyRun(plan).stopOffset, endOf(0));
    assert.equal(plan.expected.toString(), '0-1-7,1-1-2');
  });

  test('refuses a restored position that is not a point of the binlogs: the applier would replay what it has', () => {
    assert.throws(
      () => planMariadb('0-1-6', { kind: 'all' }),
      (err: unknown) => {
        assert.ok(err instanceof ApplyPlanError);
        assert.match(err.message, /holds 0-1-6 but not 1-1-1, which comes before it/);
        return true;
      },
    );
  });
});

/** Across a failover: the old primary's last file, then the promoted replica's, which repeats it before its own. */
const oldPrimary = [mysqlFiles[0]!, binlog('mysql', 'binlog.000002', `${S}:1-10`, mysqlRange(11, 14))];
const promoted = (previous: string, gtids: string[]) => binlog('mysql', 'replica/binlog.000002', previous, gtids, 2);

describe('planning an apply across a failover', () => {
  test("MySQL reads the promoted replica's file through in the same run (its applier skips executed GTIDs); each transaction is pending once", () => {
    const files = [...oldPrimary, promoted(`${S}:1-10`, [...mysqlRange(11, 16), ...mysqlRange(1, 2, OTHER)])];
    const plan = planMysql(`${S}:1-6`, { kind: 'all' }, files);
    const run = onlyRun(plan);
    assert.deepEqual(
      run.files.map((f) => [f.path, f.serverId]),
      [
        ['binlog.000001', 1],
        ['binlog.000002', 1],
        ['replica/binlog.000002', 2],
      ],
    );
    assert.deepEqual([run.startOffset, run.stopOffset], [startOf(6), endOf(7)]);
    assert.deepEqual(
      plan.pending.map((p) => p.gtid),
      [...mysqlRange(7, 16), ...mysqlRange(1, 2, OTHER)],
    );
    assert.equal(plan.bytesTotal, 12 * TRANSACTION_BYTES);
    assert.equal(plan.expected.toString(), `${S}:1-16,${OTHER}:1-2`);
  });

  test('a stop on a repeated transaction stops at its first copy', () => {
    const files = [...oldPrimary, promoted(`${S}:1-12`, [...mysqlRange(13, 16)])];
    const run = onlyRun(planMysql(`${S}:1-6`, { kind: 'gtid', gtid: `${S}:13` }, files));
    assert.deepEqual([run.files.map((f) => f.path), run.stopOffset], [['binlog.000001', 'binlog.000002'], endOf(2)]);
  });

  test('MariaDB, whose applier would apply a repeated GTID again, resumes after the repeats in a run of its own', () => {
    const files = [
      binlog('mariadb', 'mariadb-bin.000001', '0-1-3', ['0-1-4', '0-1-5', '0-1-6']),
      binlog('mariadb', 'mariadb-bin.000002', '0-1-6', ['0-1-7', '0-1-8']),
      binlog('mariadb', 'replica/mariadb-bin.000002', '0-1-6', ['0-1-7', '0-1-8', '0-1-9', '0-2-10', '0-2-11'], 2),
    ];
    const plan = planApply(mariadbGtids, files, MariadbGtidPosition.parse('0-1-5'), { kind: 'all' });
    assert.deepEqual(
      plan.runs.map((r) => [r.files.map((f) => f.path), r.startOffset, r.stopOffset, r.expected.toString()]),
      [
        [['mariadb-bin.000001', 'mariadb-bin.000002'], startOf(2), endOf(1), '0-1-8'],
        [['replica/mariadb-bin.000002'], startOf(2), endOf(4), '0-2-11'],
      ],
    );
    assert.deepEqual(
      plan.pending.map((p) => p.gtid),
      ['0-1-6', '0-1-7', '0-1-8', '0-1-9', '0-2-10', '0-2-11'],
    );
    assert.equal(plan.expected.toString(), '0-2-11');
    const throughRepeat = planApply(mariadbGtids, files, MariadbGtidPosition.parse('0-1-5'), { kind: 'gtid', gtid: '0-1-8' });
    assert.deepEqual(
      throughRepeat.runs.map((r) => r.files.length),
      [2],
      'a stop inside the repeats needs nothing of the replica',
    );
  });

  const refusals: Array<[string, () => unknown, RegExp]> = [
    [
      'a real gap after the failover',
      () => planMysql(`${S}:1-6`, { kind: 'all' }, [...oldPrimary, promoted(`${S}:1-16`, [...mysqlRange(17, 18)])]),
      new RegExp(`replica/binlog.000002 does not continue binlog.000002: .*; ${S}:15-16 are in none of them`),
    ],
    [
      'a replica that never got what the old primary archived',
      () =>
        planMysql(`${S}:1-6`, { kind: 'all' }, [...oldPrimary, promoted(`${S}:1-10`, [...mysqlRange(11, 12), ...mysqlRange(1, 2, OTHER)])]),
      new RegExp(`its server never executed ${S}:13-14`),
    ],
    [
      'a MariaDB gap after the failover',
      () =>
        planApply(
          mariadbGtids,
          [
            binlog('mariadb', 'mariadb-bin.000001', '0-1-3', ['0-1-4', '0-1-5']),
            binlog('mariadb', 'replica/mariadb-bin.000002', '0-1-7', ['0-2-8'], 2),
          ],
          MariadbGtidPosition.parse('0-1-3'),
          { kind: 'all' },
        ),
      /replica\/mariadb-bin.000002 does not continue mariadb-bin.000001: it follows 0-1-7, but the binlogs before it end at 0-1-5/,
    ],
  ];
  for (const [what, plan, message] of refusals) {
    test(`refuses ${what}`, () => {
      assert.throws(plan, (err: unknown) => {
        assert.ok(err instanceof ApplyPlanError, String(err));
        assert.match(err.message, message);
        return true;
      });
    });
  }
});

test('the applied prefix of the pending transactions is found from the executed state', () => {
  const plan = planMysql(`${S}:1-6`, { kind: 'all' });
  assert.equal(appliedPrefix(mysqlGtids, plan.pending, set(`${S}:1-6`)), 0);
  assert.equal(appliedPrefix(mysqlGtids, plan.pending, set(`${S}:1-12`)), 6);
  assert.equal(appliedPrefix(mysqlGtids, plan.pending, set(`${S}:1-12:pitr:1`)), 7);
  assert.equal(appliedPrefix(mysqlGtids, plan.pending, plan.expected), plan.pending.length);
});
