import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  isoMicros,
  microsOf,
  recoverability,
  type Recoverability,
  type StreamEntry,
  type StreamGap,
} from '../../../domain/archive/recoverable';
import {
  decideExpiry,
  segmentId,
  type ExpiryDecision,
  type RetentionBackup,
  type RetentionEntry,
  type RetentionInput,
  type RetentionSegment,
} from '../../../domain/retention/expiry';
import { effectivePolicy, parseRetentionOverrides, UnknownRetentionTierError } from '../../../domain/retention/policy';
import { InvalidInputError } from '../../../domain/errors';

const U = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
const T0 = Date.UTC(2026, 10, 1) * 1000;
const HOUR = 3600 * 1_000_000;
/** Transaction n commits n hours after T0: a few days of history span the age rule. */
const commitOf = (n: number) => T0 + n * HOUR;
const history = (n: number) => (n === 0 ? '' : `${U}:1-${n}`);

function segment(file: number, first: number, last: number, status: RetentionSegment['status'] = 'archived'): RetentionSegment {
  return {
    kind: 'segment',
    file: `binlog.${String(file).padStart(6, '0')}`,
    serverKey: U,
    status,
    previousGtids: history(first - 1),
    reached: history(last),
    firstCommitMicros: last >= first ? commitOf(first) : null,
    lastCommitMicros: last >= first ? commitOf(last) : null,
  };
}

function gap(file: number, first: number, last: number): StreamGap {
  const name = `binlog.${String(file).padStart(6, '0')}`;
  return {
    kind: 'gap',
    serverKey: U,
    afterFile: null,
    beforeFile: name,
    missingFromFile: name,
    missingToFile: name,
    missing: `${U}:${first}-${last}`,
    reachedBefore: history(first - 1),
    reached: history(last),
    detectedAt: isoMicros(commitOf(last)),
  };
}

/** A backup whose coordinate is transaction `at`, finished half an hour after it committed. */
function backup(id: string, at: number, status: RetentionBackup['status'] = 'completed', verified = true): RetentionBackup {
  return {
    backupId: id,
    status,
    gtidExecuted: status === 'failed' ? null : history(at),
    finishedAt: isoMicros(commitOf(at) + HOUR / 2),
    verified,
  };
}

/** The catalog once a decision is carried out, read the way planning reads it. */
function applied(input: RetentionInput, d: ExpiryDecision): RetentionInput {
  const gone = new Set(d.segments.map(segmentId));
  return {
    ...input,
    backups: input.backups.map((b) => (d.backups.includes(b.backupId) || b.status === 'expiring' ? { ...b, status: 'expired' } : b)),
    entries: input.entries.map((e) =>
      e.kind === 'segment' && (gone.has(segmentId(e)) || e.status === 'expiring') ? { ...e, status: 'expired' } : e,
    ),
  };
}

function catalogView(input: RetentionInput): Recoverability {
  const entries: StreamEntry[] = input.entries.map((e) =>
    e.kind === 'gap' ? e : { ...e, status: e.status === 'expiring' ? 'expired' : e.status },
  );
  const backups = input.backups.flatMap((b) =>
    b.status === 'completed' && b.gtidExecuted !== null
      ? [{ backupId: b.backupId, gtidExecuted: b.gtidExecuted, finishedAt: b.finishedAt }]
      : [],
  );
  return recoverability(input.flavor, entries, backups, input.nowMicros);
}

/** Whether an instant is recoverable: inside a window, from its base backup to its newest commit. */
function recoverableAt(r: Recoverability, micros: number): boolean {
  return r.windows.some(
    (w) => w.newestCommit !== null && microsOf(w.baseBackup.finishedAt) <= micros && micros <= microsOf(w.newestCommit),
  );
}

/** Random histories: files of 0–4 transactions, some lost to gaps, backups of every status, holds, and a policy. */
const histories = fc
  .record({
    files: fc.array(fc.nat(4), { minLength: 1, maxLength: 25 }),
    /** Out of ten: how often a file with transactions was purged before archiving. */
    lostRate: fc.integer({ min: 0, max: 5 }),
    backups: fc.array(
      fc.record({
        at: fc.nat(100),
        status: fc.constantFrom<RetentionBackup['status']>('completed', 'completed', 'completed', 'failed', 'quarantined'),
        verified: fc.boolean(),
      }),
      { maxLength: 8 },
    ),
    heldBackups: fc.array(fc.nat(7), { maxLength: 2 }),
    heldFiles: fc.array(fc.nat(24), { maxLength: 3 }),
    keepBackups: fc.integer({ min: 1, max: 4 }),
    keepDays: fc.integer({ min: 0, max: 3 }),
    nowAfterHours: fc.nat(72),
    lostSeed: fc.array(fc.nat(9), { minLength: 25, maxLength: 25 }),
  })
  .map((h): RetentionInput => {
    const entries: RetentionEntry[] = [];
    let next = 1;
    h.files.forEach((size, i) => {
      const [first, last] = [next, next + size - 1];
      next += size;
      // Only a file with transactions can be lost: an empty one leaves no gap.
      if (size > 0 && h.lostSeed[i]! < h.lostRate) entries.push(gap(i + 1, first, last));
      else entries.push(segment(i + 1, first, last));
    });
    const total = next - 1;
    const backups = h.backups.map((b, i) => backup(`b${i}`, Math.min(b.at, total), b.status, b.verified));
    const segments = entries.filter((e): e is RetentionSegment => e.kind === 'segment');
    return {
      flavor: 'mysql',
      policy: { keepBackups: h.keepBackups, keepDays: h.keepDays },
      backups,
      entries,
      holds: {
        backups: h.heldBackups.flatMap((i) => (backups[i] ? [backups[i]!.backupId] : [])),
        segments: h.heldFiles.flatMap((i) => (segments[i] ? [{ serverKey: U, file: segments[i]!.file }] : [])),
      },
      nowMicros: commitOf(total) + h.nowAfterHours * HOUR,
    };
  });

/** Every instant worth probing: each commit and backup, and just around them. */
function probes(input: RetentionInput): number[] {
  const points = [
    ...input.entries.flatMap((e) =>
      e.kind === 'segment' && e.firstCommitMicros !== null ? [e.firstCommitMicros, e.lastCommitMicros!] : [],
    ),
    ...input.backups.map((b) => microsOf(b.finishedAt)),
  ];
  return points.flatMap((p) => [p - 1, p, p + 1, p + HOUR / 4]);
}

/** What every expiry decision must hold to, checked against the catalog it leaves behind. */
function checkExpiry(input: RetentionInput): RetentionInput {
  const d = decideExpiry(input);
  const after = catalogView(applied(input, d));
  assert.deepEqual(after, d.after, 'the decision reports the window planning will read afterwards');
  assert.deepEqual(d.before, catalogView(input));

  if (d.policyKeepsFrom !== null) {
    const from = microsOf(d.policyKeepsFrom);
    for (const t of probes(input)) {
      if (t >= from && recoverableAt(d.before, t))
        assert.ok(recoverableAt(after, t), `${isoMicros(t)} was recoverable and the policy keeps it`);
    }
  }
  if (d.before.windows.length > 0) assert.ok(after.windows.length > 0, '`latest` stays restorable');

  const completed = input.backups.filter((b) => b.status === 'completed').sort((a, b) => microsOf(b.finishedAt) - microsOf(a.finishedAt));
  const expired = new Set(d.backups);
  for (const b of input.backups) if (b.status !== 'completed') assert.ok(!expired.has(b.backupId), 'only completed backups are expired');
  if (completed[0]) assert.ok(!expired.has(completed[0].backupId), 'the newest completed backup stays');
  const verified = completed.find((b) => b.verified);
  if (verified) assert.ok(!expired.has(verified.backupId), 'the newest verified backup stays');
  for (const id of input.holds.backups) assert.ok(!expired.has(id), `held backup ${id} stays`);
  const heldSegments = new Set(input.holds.segments.map(segmentId));
  for (const s of d.segments) assert.ok(!heldSegments.has(segmentId(s)), `held segment ${s.file} stays`);
  assert.ok(
    completed.length - expired.size >= Math.min(input.policy.keepBackups, completed.length),
    'failed and quarantined backups never count',
  );
  if (completed.length === 0) assert.deepEqual(d.segments, [], 'without a backup nothing anchors the archive');

  const again = decideExpiry(applied(input, d));
  assert.deepEqual(
    [again.backups, again.segments, again.unfinished],
    [[], [], { backups: [], segments: [] }],
    'a second run finds nothing more',
  );

  return applied(input, d);
}

describe('expiry', () => {
  test('never shrinks the recoverable window the policy keeps, and never picks what must stay', () => {
    fc.assert(
      fc.property(
        histories,
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 3 }),
        fc.nat(72),
        (input, keepBackups, keepDays, laterHours) => {
          const expired = checkExpiry(input);
          // A later run under another policy, over an archive that already has expired stretches.
          checkExpiry({ ...expired, policy: { keepBackups, keepDays }, nowMicros: expired.nowMicros + laterHours * HOUR });
        },
      ),
      { numRuns: 2000 },
    );
  });

  test('a keep-1 policy keeps the newest backup and the archive from the segment holding its coordinate', () => {
    const entries = [segment(1, 1, 5), segment(2, 6, 10), segment(3, 11, 15), segment(4, 16, 20)];
    const input: RetentionInput = {
      flavor: 'mysql',
      policy: { keepBackups: 1, keepDays: 0 },
      entries,
      holds: { backups: [], segments: [] },
      nowMicros: commitOf(30),
      backups: [backup('old', 3), backup('new', 12), backup('broken', 18, 'quarantined')],
    };
    const d = decideExpiry(input);
    assert.deepEqual(d.backups, ['old']);
    assert.deepEqual(
      d.segments.map((s) => s.file),
      ['binlog.000001', 'binlog.000002'],
    );
    assert.deepEqual(
      d.kept.map((k) => [k.backupId, k.reasons]),
      [['new', ['count', 'newest', 'newest-verified', 'latest']]],
    );
    assert.deepEqual(
      d.before.windows.map((w) => [w.baseBackup.backupId, w.firstFile]),
      [['old', 'binlog.000001']],
    );
    assert.deepEqual(
      d.after.windows.map((w) => [w.baseBackup.backupId, w.firstFile, w.from, w.newestCommit]),
      [['new', 'binlog.000003', history(10), isoMicros(commitOf(20))]],
    );
  });

  test('a binlog a stream archived in pieces expires whole, and is kept whole while a kept backup needs any piece of it', () => {
    // binlog.000002 in three pieces: transactions 6-7, 8-9 and 10.
    const entries = [segment(1, 1, 5), segment(2, 6, 7), segment(2, 8, 9), segment(2, 10, 10), segment(3, 11, 15)];
    const input: RetentionInput = {
      flavor: 'mysql',
      policy: { keepBackups: 1, keepDays: 0 },
      entries,
      holds: { backups: [], segments: [] },
      nowMicros: commitOf(30),
      backups: [backup('old', 3), backup('new', 8)],
    };
    const d = decideExpiry(input);
    // The new backup needs transactions 9 on, in the second piece: the file's first piece holds its header.
    assert.deepEqual(
      d.segments.map((s) => s.file),
      ['binlog.000001'],
    );
    const later = decideExpiry({ ...input, backups: [backup('old', 3), backup('new', 12)] });
    assert.deepEqual(
      later.segments.map((s) => s.file),
      ['binlog.000001', 'binlog.000002'],
      'each file once, all its pieces together',
    );
  });

  test('a held backup and its segments stay; a failed run left `expiring` is finished', () => {
    const entries = [segment(1, 1, 5, 'expiring'), segment(2, 6, 10), segment(3, 11, 15), segment(4, 16, 20)];
    const input: RetentionInput = {
      flavor: 'mysql',
      policy: { keepBackups: 1, keepDays: 0 },
      entries,
      nowMicros: commitOf(30),
      holds: { backups: ['held'], segments: [{ serverKey: U, file: 'binlog.000002' }] },
      backups: [backup('gone', 2, 'expiring'), backup('held', 7), backup('new', 17)],
    };
    const d = decideExpiry(input);
    assert.deepEqual([d.backups, d.segments], [[], []]);
    assert.deepEqual(d.unfinished, { backups: ['gone'], segments: [{ serverKey: U, file: 'binlog.000001' }] });
  });

  test('a newer backup the archive has not reached yet does not cost `latest` its window', () => {
    const input: RetentionInput = {
      flavor: 'mysql',
      policy: { keepBackups: 1, keepDays: 0 },
      entries: [segment(1, 1, 5), segment(2, 6, 10)],
      holds: { backups: [], segments: [] },
      nowMicros: commitOf(30),
      backups: [backup('archived', 4), backup('ahead', 20)],
    };
    const d = decideExpiry(input);
    assert.deepEqual([d.backups, d.segments], [[], []]);
    assert.deepEqual(d.kept.find((k) => k.backupId === 'archived')?.reasons, ['latest']);
  });

  test('MariaDB: the archive is kept from the first binlog the kept backup lacks, compared as GTID positions', () => {
    const mariadb = (file: number, previous: number, reached: number): RetentionSegment => ({
      ...segment(file, previous + 1, reached),
      previousGtids: previous === 0 ? '' : `0-1-${previous}`,
      reached: `0-1-${reached}`,
    });
    const input: RetentionInput = {
      flavor: 'mariadb',
      policy: { keepBackups: 1, keepDays: 0 },
      entries: [mariadb(1, 0, 5), mariadb(2, 5, 10), mariadb(3, 10, 15)],
      holds: { backups: [], segments: [] },
      nowMicros: commitOf(30),
      backups: [
        { ...backup('old', 3), gtidExecuted: '0-1-3' },
        { ...backup('new', 12), gtidExecuted: '0-1-12' },
      ],
    };
    const d = decideExpiry(input);
    assert.deepEqual([d.backups, d.segments.map((s) => s.file)], [['old'], ['binlog.000001', 'binlog.000002']]);
    assert.deepEqual(
      d.after.windows.map((w) => [w.baseBackup.backupId, w.from, w.firstFile]),
      [['new', '0-1-10', 'binlog.000003']],
    );
  });

  test('the age rule keeps every backup younger than the policy days, however many', () => {
    const input: RetentionInput = {
      flavor: 'mysql',
      policy: { keepBackups: 1, keepDays: 1 },
      entries: [segment(1, 1, 50)],
      holds: { backups: [], segments: [] },
      nowMicros: commitOf(50),
      backups: [backup('two-days', 2), backup('20h', 30), backup('10h', 40)],
    };
    assert.deepEqual(decideExpiry(input).backups, ['two-days']);
  });
});

describe('retention policy', () => {
  test('a cluster setting overrides its tier default rule by rule; an unknown tier needs both', () => {
    assert.deepEqual(effectivePolicy('standard', { keepBackups: 3, keepDays: null }), { keepBackups: 3, keepDays: 14 });
    assert.deepEqual(effectivePolicy('bespoke', { keepBackups: 2, keepDays: 0 }), { keepBackups: 2, keepDays: 0 });
    assert.throws(() => effectivePolicy('bespoke', { keepBackups: 2, keepDays: null }), UnknownRetentionTierError);
  });
  test('an operator sets rules one at a time, puts one back on the tier default with `tier`, and is told what a bad value means', () => {
    assert.deepEqual(parseRetentionOverrides({ keepBackups: '3' }), { keepBackups: 3 });
    assert.deepEqual(parseRetentionOverrides({ keepBackups: 'tier', keepDays: '0' }), { keepBackups: null, keepDays: 0 });
    assert.deepEqual(effectivePolicy('standard', { keepBackups: null, keepDays: 0 }), { keepBackups: 7, keepDays: 0 });
    for (const bad of [{ keepBackups: '0' }, { keepDays: '-1' }, { keepBackups: '2.5' }, { keepDays: 'week' }]) {
      assert.throws(() => parseRetentionOverrides(bad), InvalidInputError);
    }
  });
});
