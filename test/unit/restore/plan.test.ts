import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isoMicros, type StreamGap } from '../../../domain/archive/recoverable';
import type { BinlogTransaction } from '../../../domain/binlog/types';
import { earliestStampAfter, latestCommitMicros } from '../../../domain/restore/held-back';
import {
  chooseRestore,
  finishPlan,
  RestoreRefusedError,
  scopeChoice,
  scopeRestore,
  type PlanBackup,
  type PlanEntry,
  type PlanInput,
  type PlanSegment,
} from '../../../domain/restore/plan';
import { parseRestoreTarget } from '../../../domain/restore/target';

const U = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
const T0 = Date.UTC(2026, 10, 27, 9, 0, 0) * 1000;
/** Transaction n commits n seconds after T0; ten per binlog file. */
const commitOf = (n: number) => T0 + n * 1_000_000;
const at = (seconds: number) => isoMicros(T0 + Math.round(seconds * 1_000_000));

function mysqlSegment(file: number, first: number, last: number, previous = first - 1): PlanSegment {
  const name = `binlog.00000${file}`;
  return {
    kind: 'segment',
    file: name,
    serverKey: U,
    status: 'archived',
    previousGtids: previous > 0 ? `${U}:1-${previous}` : '',
    reached: `${U}:1-${last}`,
    gtids: `${U}:${first}-${last}`,
    lastGtid: `${U}:${last}`,
    firstCommitMicros: commitOf(first),
    lastCommitMicros: commitOf(last),
    objectKey: `obj/${name}`,
    indexKey: `idx/${name}`,
    storedSha256: 'a'.repeat(64),
    sizeBytes: 1000,
  };
}

function indexOf(first: number, last: number, gtid = (n: number) => `${U}:${n}`): BinlogTransaction[] {
  return Array.from({ length: last - first + 1 }, (_, i) => ({
    gtid: gtid(first + i),
    start: 100 * i + 4,
    end: 100 * i + 104,
    commitTime: { micros: commitOf(first + i), precision: 'us' as const },
  }));
}

function backup(id: string, gtidExecuted: string, finishedSeconds: number): PlanBackup {
  return {
    backupId: id,
    gtidExecuted,
    finishedAt: at(finishedSeconds),
    engine: 'clone',
    artifactKey: `a/${id}`,
    manifestKey: `m/${id}`,
    storedSha256: 'b'.repeat(64),
  };
}

const archive: PlanEntry[] = [mysqlSegment(1, 1, 10), mysqlSegment(2, 11, 20), mysqlSegment(3, 21, 30)];
const backups = [backup('b-early', `${U}:1-5`, 6), backup('b-late', `${U}:1-15`, 16)];

function input(target: string, overrides: Partial<PlanInput> = {}): PlanInput {
  return {
    tenantId: 't',
    clusterId: 'c',
    flavor: 'mysql',
    target: parseRestoreTarget(target),
    backups,
    entries: archive,
    nowMicros: commitOf(100),
    ...overrides,
  };
}

function plan(
  target: string,
  overrides: Partial<PlanInput> = {},
  index = (file: string) => indexOf(Number(file.slice(-1)) * 10 - 9, Number(file.slice(-1)) * 10),
) {
  const scope = scopeRestore(input(target, overrides));
  return finishPlan(scope, scope.boundary && index(scope.boundary.file));
}

function refusal(target: string, overrides: Partial<PlanInput> = {}): RestoreRefusedError {
  try {
    plan(target, overrides);
  } catch (err) {
    assert.ok(err instanceof RestoreRefusedError, String(err));
    assert.match(err.message, /recoverable windows: .*b-early/, 'the refusal names the recoverable windows');
    return err;
  }
  assert.fail(`${target} was not refused`);
}

test('an instant between two commits picks the newest backup before it and stops after the last commit at or before it', () => {
  const p = plan(at(17.5));
  assert.equal(p.backup.backupId, 'b-late');
  assert.deepEqual(
    p.segments.map((s) => s.file),
    ['binlog.000002'],
  );
  assert.deepEqual(p.stop, { kind: 'gtid', gtid: `${U}:17` });
  assert.equal(p.expectedGtids, `${U}:1-17`);
  assert.deepEqual([p.throughGtid, p.throughCommit], [`${U}:17`, isoMicros(commitOf(17))]);
});

test('an instant before the newest backup finished replays an older backup across a file boundary', () => {
  const p = plan(at(12.5));
  assert.equal(p.backup.backupId, 'b-early');
  assert.deepEqual(
    p.segments.map((s) => s.file),
    ['binlog.000001', 'binlog.000002'],
  );
  assert.deepEqual(p.stop, { kind: 'gtid', gtid: `${U}:12` });
  assert.equal(p.expectedGtids, `${U}:1-12`);
});

test('a commit exactly at the instant is included; one microsecond earlier it is not', () => {
  assert.equal(plan(isoMicros(commitOf(18))).expectedGtids, `${U}:1-18`);
  assert.equal(plan(isoMicros(commitOf(18) - 1)).expectedGtids, `${U}:1-17`);
});

test('an instant whose first later commit opens a file stops at the end of the file before it', () => {
  const p = plan(at(20.5), { nowMicros: commitOf(100) });
  assert.deepEqual(
    p.segments.map((s) => s.file),
    ['binlog.000002'],
  );
  assert.deepEqual(p.stop, { kind: 'all' });
  assert.equal(p.expectedGtids, `${U}:1-20`);
  assert.equal(p.throughCommit, isoMicros(commitOf(20)));
});

test('an instant right after a backup with no commit since restores the backup alone', () => {
  const p = plan(at(20.7), { backups: [...backups, backup('b-20', `${U}:1-20`, 20.5)] });
  assert.equal(p.backup.backupId, 'b-20');
  assert.deepEqual([p.segments, p.stop, p.expectedGtids], [[], null, `${U}:1-20`]);
});

test('the same instant written in another zone is the same UTC instant and the same plan', () => {
  const offset = new Date(Date.parse(at(17)) + 3600_000)
    .toISOString()
    .replace('Z', '')
    .replace(/\.\d+$/, '.500000+01:00');
  assert.deepEqual(plan(offset), plan(at(17.5)));
});

test('a GTID target replays up to the file that completes it', () => {
  const p = plan(`gtid:${U}:1-18`);
  assert.equal(p.backup.backupId, 'b-late');
  assert.deepEqual(
    p.segments.map((s) => s.file),
    ['binlog.000002'],
  );
  assert.deepEqual(p.stop, { kind: 'gtid-set', set: `${U}:1-18` });
  assert.equal(p.expectedGtids, `${U}:1-18`);
});

test('latest replays every archived segment after the newest backup', () => {
  const p = plan('latest');
  assert.equal(p.backup.backupId, 'b-late');
  assert.deepEqual(
    p.segments.map((s) => s.file),
    ['binlog.000002', 'binlog.000003'],
  );
  assert.deepEqual(p.stop, { kind: 'all' });
  assert.deepEqual([p.expectedGtids, p.throughCommit], [`${U}:1-30`, isoMicros(commitOf(30))]);
});

test('targets before the oldest backup, in the future, after the newest archived commit or in a gap are refused with the windows', () => {
  const early = refusal(at(3));
  assert.match(early.message, /before the oldest completed base backup/);
  assert.match(
    early.hint ?? '',
    new RegExp(`no base backup of the cluster finished before ${at(6).replace(/\./g, '\\.')}`),
    'no backup is said to have existed when none did',
  );
  const expired = refusal(at(3), { expiredBackups: [backup('b-gone', `${U}:1-2`, 2)] });
  assert.match(expired.hint ?? '', /backup b-gone .* has expired/);
  assert.throws(
    () => plan(at(12), { backups: [] }),
    (err: RestoreRefusedError) => /the cluster has no completed base backup/.test(err.message) && /take a base backup/.test(err.hint ?? ''),
  );
  assert.match(refusal(at(200)).message, /in the future/);
  assert.match(refusal(at(40)).message, /after the newest archived commit/);
  const gap: StreamGap = {
    kind: 'gap',
    serverKey: U,
    afterFile: 'binlog.000002',
    beforeFile: 'binlog.000004',
    missingFromFile: 'binlog.000003',
    missingToFile: 'binlog.000003',
    missing: `${U}:21-30`,
    reachedBefore: `${U}:1-20`,
    reached: `${U}:1-30`,
    detectedAt: at(50),
  };
  const withGap: PlanEntry[] = [...archive.slice(0, 2), gap, mysqlSegment(4, 31, 40, 30)];
  const inGap = refusal(at(25), { entries: withGap });
  assert.match(inGap.message, /inside a gap/);
  assert.match(inGap.message, /binlog\.000003 of server/, 'the refusal names the gap');
  assert.match(refusal(at(35), { entries: withGap }).message, /inside a gap of the archive or a stretch no base backup replays/);
  assert.match(refusal(`gtid:${U}:1-45`).message, /not all archived/);
  assert.match(refusal(`gtid:${U}:1-3`).message, /precedes every completed base backup/);
});

/** A file of MariaDB server 1 in domain 0 holding sequence numbers first..last. */
function mariadbSegment(file: number, first: number, last: number): PlanSegment {
  return {
    ...mysqlSegment(file, first, last),
    serverKey: 'server-1',
    previousGtids: first > 1 ? `0-1-${first - 1}` : '',
    reached: `0-1-${last}`,
    gtids: `0-1-${first}..${last}`,
    lastGtid: `0-1-${last}`,
  };
}

test('MariaDB: positions and binlog states plan the same way, to the whole second', () => {
  const seg = mariadbSegment;
  const p = plan(
    at(17.5),
    {
      flavor: 'mariadb',
      entries: [seg(1, 1, 10), seg(2, 11, 20), seg(3, 21, 30)],
      backups: [backup('b-early', '0-1-5', 6), backup('b-late', '0-1-15', 16)],
    },
    (file) => indexOf(Number(file.slice(-1)) * 10 - 9, Number(file.slice(-1)) * 10, (n) => `0-1-${n}`),
  );
  assert.equal(p.backup.backupId, 'b-late');
  assert.deepEqual(p.stop, { kind: 'gtid', gtid: '0-1-17' });
  assert.equal(p.expectedGtids, '0-1-17');
});

describe('MariaDB: commits stamped with whole seconds', () => {
  const seg = mariadbSegment;
  /** Transactions 15, 16 and 17 commit inside second 15; every other n in second n. */
  const secondOf = (n: number) => (n >= 15 && n <= 17 ? 15 : n);
  const stamped = (first: number, last: number): BinlogTransaction[] =>
    indexOf(first, last, (n) => `0-1-${n}`).map((t, i) => ({
      ...t,
      commitTime: { micros: commitOf(secondOf(first + i)), precision: 's' as const },
    }));
  const mariadb = {
    flavor: 'mariadb' as const,
    entries: [seg(1, 1, 10), seg(2, 11, 20), seg(3, 21, 30)],
    backups: [backup('b', '0-1-5', 6)],
  };
  const planAt = (seconds: number) =>
    plan(at(seconds), mariadb, (file) => stamped(Number(file.slice(-1)) * 10 - 9, Number(file.slice(-1)) * 10));

  test('an instant inside a second that holds commits stops before that second and names what it holds back', () => {
    for (const inside of [15, 15.000001, 15.5, 15.999998]) {
      const p = planAt(inside);
      assert.deepEqual(p.stop, { kind: 'gtid', gtid: '0-1-14' }, `at ${at(inside)}`);
      assert.equal(p.expectedGtids, '0-1-14');
      assert.deepEqual(p.heldBack, {
        second: at(15).replace('.000000Z', 'Z'),
        transactions: 3,
        gtids: '0-1-15..17',
        includeAllTarget: 'gtid:0-1-17',
      });
    }
  });

  test('the instant that ends the second includes all of it; the end of the second before holds nothing back', () => {
    const end = planAt(15.999999);
    assert.deepEqual([end.stop, end.heldBack], [{ kind: 'gtid', gtid: '0-1-17' }, null]);
    const before = planAt(14.999999);
    assert.deepEqual([before.stop, before.heldBack], [{ kind: 'gtid', gtid: '0-1-14' }, null]);
  });

  test('a busy second that spans two files is held back whole, named from both indexes', () => {
    /** Transactions 19 to 22 commit inside second 19, across the rotation after 20. */
    const stampedAt = (first: number, last: number) =>
      stamped(first, last).map((t, i) =>
        first + i >= 19 && first + i <= 22 ? { ...t, commitTime: { micros: commitOf(19), precision: 's' as const } } : t,
      );
    const entries = [
      seg(1, 1, 10),
      { ...seg(2, 11, 20), lastCommitMicros: commitOf(19) },
      { ...seg(3, 21, 30), firstCommitMicros: commitOf(19) },
    ];
    const scope = scopeRestore(input(at(19.5), { ...mariadb, entries }));
    assert.deepEqual([scope.boundary?.file, scope.following.map((f) => f.file)], ['binlog.000002', ['binlog.000003']]);
    const p = finishPlan(scope, stampedAt(11, 20), [stampedAt(21, 30)]);
    assert.deepEqual(p.stop, { kind: 'gtid', gtid: '0-1-18' });
    assert.deepEqual(
      p.segments.map((f) => f.file),
      ['binlog.000001', 'binlog.000002'],
      'only the files the replay needs are fetched',
    );
    assert.deepEqual(p.heldBack, {
      second: at(19).replace('.000000Z', 'Z'),
      transactions: 4,
      gtids: '0-1-19..22',
      includeAllTarget: 'gtid:0-1-22',
    });
  });

  test("a file whose last commit is stamped with the instant's second is not replayed whole", () => {
    const p = planAt(10.5);
    assert.deepEqual(
      p.segments.map((s) => s.file),
      ['binlog.000001'],
    );
    assert.deepEqual(p.stop, { kind: 'gtid', gtid: '0-1-9' });
    assert.equal(p.heldBack?.gtids, '0-1-10');
  });
});

describe('MariaDB: a whole second split by when a live stream received its transactions', () => {
  /** Transactions 19 to 22 commit inside second 19, across the rotation after 20; the stream received them at .1, .3, .6 and .8. */
  const arrivals: Record<number, number> = { 19: 0.1, 20: 0.3, 21: 0.6, 22: 0.8 };
  const received = (n: number) => ({
    afterMicros: commitOf(19) + arrivals[n]! * 1e6,
    byMicros: commitOf(19) + arrivals[n]! * 1e6 + 10_000,
  });
  const dated = (first: number, last: number, undated: number[] = []): BinlogTransaction[] =>
    indexOf(first, last, (n) => `0-1-${n}`).map((t, i) => {
      const n = first + i;
      if (n < 19 || n > 22) return { ...t, commitTime: { micros: commitOf(n), precision: 's' as const } };
      const stamped = { ...t, commitTime: { micros: commitOf(19), precision: 's' as const } };
      return undated.includes(n) ? stamped : { ...stamped, received: received(n) };
    });
  const entries = [
    mariadbSegment(1, 1, 10),
    { ...mariadbSegment(2, 11, 20), lastCommitMicros: commitOf(19) },
    { ...mariadbSegment(3, 21, 30), firstCommitMicros: commitOf(19) },
  ];
  const planAt = (seconds: number, undated: number[] = []) => {
    const scope = scopeRestore(input(at(seconds), { flavor: 'mariadb', entries, backups: [backup('b', '0-1-5', 6)] }));
    return finishPlan(scope, dated(11, 20, undated), [dated(21, 30, undated)]);
  };

  test('an instant between two arrivals replays exactly what arrived by it, and holds nothing back', () => {
    const p = planAt(19.5);
    assert.deepEqual([p.stop, p.heldBack], [{ kind: 'gtid', gtid: '0-1-20' }, null]);
    assert.deepEqual(p.receivedSplit, { second: at(19).replace('.000000Z', 'Z'), atOrBefore: 2, after: 2 });
    assert.deepEqual(
      p.segments.map((s) => s.file),
      ['binlog.000001', 'binlog.000002'],
    );
  });

  test('what arrived by the instant in the next file is replayed too, with that file', () => {
    const p = planAt(19.7);
    assert.deepEqual([p.stop, p.heldBack, p.expectedGtids], [{ kind: 'gtid', gtid: '0-1-21' }, null, '0-1-21']);
    assert.deepEqual(
      p.segments.map((s) => s.file),
      ['binlog.000001', 'binlog.000002', 'binlog.000003'],
    );
  });

  test('an instant while a transaction was arriving holds that one back, named', () => {
    const p = planAt(19.305);
    assert.deepEqual(p.stop, { kind: 'gtid', gtid: '0-1-19' });
    assert.deepEqual([p.heldBack?.gtids, p.heldBack?.transactions], ['0-1-20', 1]);
  });

  test('a transaction without an arrival (replicated from another server) is held back; the ones after it that arrived later are not', () => {
    const p = planAt(19.5, [20]);
    assert.deepEqual(p.stop, { kind: 'gtid', gtid: '0-1-19' });
    assert.deepEqual([p.heldBack?.gtids, p.heldBack?.transactions], ['0-1-20', 1]);
  });

  test("a commit that arrived after its stamped second ended is after an instant at that second's end", () => {
    const next = dated(21, 30);
    next[1] = { ...next[1]!, received: { afterMicros: commitOf(20) + 1000, byMicros: commitOf(20) + 2000 } };
    const scope = scopeRestore(input(at(19.999999), { flavor: 'mariadb', entries, backups: [backup('b', '0-1-5', 6)] }));
    assert.equal(scope.boundary?.file, 'binlog.000003', 'by their stamps, all of binlog.000002 is before the instant');
    const p = finishPlan(scope, next);
    assert.deepEqual([p.stop, p.heldBack], [{ kind: 'gtid', gtid: '0-1-21' }, null]);
  });
});

describe("across a failover: the promoted replica's file repeats the old primary's last one", () => {
  const R = '4a22fb58-82db-22f2-af44-d91bb0530673';
  const LAG = 300_000;
  const replicaFile: PlanSegment = {
    ...mysqlSegment(2, 11, 18, 10),
    serverKey: R,
    reached: `${U}:1-16,${R}:1-2`,
    gtids: `${U}:11-16,${R}:1-2`,
    lastGtid: `${R}:2`,
    firstCommitMicros: commitOf(11) + LAG,
    lastCommitMicros: commitOf(18),
    objectKey: 'obj/replica/binlog.000002',
  };
  /** On the replica, the old primary's transactions commit a replication lag later; its own two follow. */
  const replicaIndex: BinlogTransaction[] = [
    ...indexOf(11, 16).map((t) => ({ ...t, commitTime: { ...t.commitTime, micros: t.commitTime.micros + LAG } })),
    ...indexOf(17, 18, (n) => `${R}:${n - 16}`),
  ];
  const failover = { entries: [mysqlSegment(1, 1, 10), mysqlSegment(2, 11, 14), replicaFile], backups: [backup('b-early', `${U}:1-5`, 6)] };
  const planFailover = (target: string) => {
    const scope = scopeRestore(input(target, failover));
    return finishPlan(scope, scope.boundary && (scope.boundary.serverKey === R ? replicaIndex : indexOf(11, 14)));
  };

  test('latest replays both files; what the replica repeats is in the expected state once', () => {
    const p = planFailover('latest');
    assert.deepEqual(
      p.segments.map((s) => s.objectKey),
      ['obj/binlog.000001', 'obj/binlog.000002', 'obj/replica/binlog.000002'],
    );
    assert.deepEqual(p.stop, { kind: 'all' });
    assert.equal(p.expectedGtids, `${U}:1-16,${R}:1-2`);
  });

  test("an instant inside the replica's file stops at the last transaction it adds at or before the instant", () => {
    const p = planFailover(at(17.5));
    assert.equal(p.segments.length, 3);
    assert.deepEqual(p.stop, { kind: 'gtid', gtid: `${R}:1` });
    assert.equal(p.expectedGtids, `${U}:1-16,${R}:1`);
    assert.deepEqual([p.throughGtid, p.throughCommit], [`${R}:1`, isoMicros(commitOf(17))]);
  });

  test("MariaDB: the replica's own transactions continue the domain's sequence after the ones it repeats", () => {
    const seg = (file: number, first: number, last: number, server = 1): PlanSegment => ({
      ...mysqlSegment(file, first, last),
      serverKey: `server-${server}`,
      previousGtids: first > 1 ? `0-1-${first - 1}` : '',
      reached: `0-${server}-${last}`,
      gtids: `0-${server}-${last}`,
      lastGtid: `0-${server}-${last}`,
      objectKey: `obj/${server}/${file}`,
    });
    const replica = { ...seg(2, 11, 18, 2), previousGtids: '0-1-10' };
    const scope = scopeRestore(
      input(at(17.5), { flavor: 'mariadb', entries: [seg(1, 1, 10), seg(2, 11, 14), replica], backups: [backup('b', '0-1-5', 6)] }),
    );
    const p = finishPlan(
      scope,
      indexOf(11, 18, (n) => (n <= 16 ? `0-1-${n}` : `0-2-${n}`)),
    );
    assert.deepEqual(
      p.segments.map((s) => s.objectKey),
      ['obj/1/1', 'obj/1/2', 'obj/2/2'],
    );
    assert.deepEqual(p.stop, { kind: 'gtid', gtid: '0-2-17' });
    assert.equal(p.expectedGtids, '0-2-17');
  });

  test("an instant before the replica adds anything replays the old primary's files whole, though the copies commit later on the replica", () => {
    const p = planFailover(at(14.1));
    assert.deepEqual(
      p.segments.map((s) => s.objectKey),
      ['obj/binlog.000001', 'obj/binlog.000002'],
    );
    assert.deepEqual(p.stop, { kind: 'all' });
    assert.equal(p.expectedGtids, `${U}:1-14`);
  });
});

describe('planning from part of a window, as the catalog reads it', () => {
  const whole = [mysqlSegment(1, 1, 10), mysqlSegment(2, 11, 20), mysqlSegment(3, 21, 30), mysqlSegment(4, 31, 40)];
  const targets = [at(12.5), at(17.5), at(20.5), at(35), 'latest', `gtid:${U}:1-25`, `gtid:${U}:1-16`];

  test('the segments from any one the backup already holds onward plan as the whole window does', () => {
    for (const target of targets) {
      const planned = input(target, { entries: whole });
      const scope = scopeRestore(planned);
      const choice = chooseRestore(planned, scope.recoverable);
      const first = whole.findIndex((s) => s.file === (scope.segments[0] ?? scope.boundary)?.file);
      for (let from = 0; from <= Math.max(0, first); from++) {
        assert.deepEqual(scopeChoice(choice, whole.slice(from)), scope, `${target} from ${whole[from]!.file}`);
      }
    }
  });

  test('a commit stamped at or after the earliest stamp after an instant is one that may have committed after it', () => {
    for (const micros of [10_000_000, 10_500_000, 10_999_999, 11_000_000, 9_999_999]) {
      for (const [flavor, precision] of [
        ['mysql', 'us'],
        ['mariadb', 's'],
      ] as const) {
        const earliest = earliestStampAfter(flavor, micros);
        assert.ok(latestCommitMicros({ micros: earliest, precision }) > micros, `${flavor} ${micros}`);
        assert.ok(latestCommitMicros({ micros: earliest - 1, precision }) <= micros, `${flavor} ${micros}`);
      }
    }
  });
});
