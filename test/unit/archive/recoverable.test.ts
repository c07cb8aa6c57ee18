import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isoMicros, microsOf, recoverability, type StreamEntry } from '../../../domain/archive/recoverable';

const A = '11111111-2222-3333-4444-555555555555';
const T0 = Date.parse('2026-11-24T03:00:00Z') * 1000;
const seconds = (s: number) => T0 + s * 1_000_000;

function segment(
  file: string,
  previousGtids: string,
  reached: string,
  lastCommitSecond: number | null,
  status: 'archived' | 'redundant' = 'archived',
): StreamEntry {
  return {
    kind: 'segment',
    file,
    serverKey: A,
    status,
    previousGtids,
    reached,
    firstCommitMicros: lastCommitSecond === null ? null : seconds(lastCommitSecond - 1),
    lastCommitMicros: lastCommitSecond === null ? null : seconds(lastCommitSecond),
  };
}

const gap: StreamEntry = {
  kind: 'gap',
  serverKey: A,
  afterFile: 'binlog.000002',
  beforeFile: 'binlog.000005',
  missingFromFile: 'binlog.000003',
  missingToFile: 'binlog.000004',
  missing: `${A}:21-40`,
  reachedBefore: `${A}:1-20`,
  reached: `${A}:1-40`,
  detectedAt: '2026-11-24T03:10:00.000000Z',
};

const archive: StreamEntry[] = [
  segment('binlog.000001', '', `${A}:1-10`, 10),
  segment('binlog.000002', `${A}:1-10`, `${A}:1-20`, 20),
  gap,
  segment('binlog.000005', `${A}:1-40`, `${A}:1-50`, 50),
  segment('binlog.000006', `${A}:1-50`, `${A}:1-50`, null),
];

describe('recoverable windows', () => {
  test('a gap splits the archive: the stretch with a backup is a window, the other is named uncovered, the gap by its files', () => {
    const backups = [
      { backupId: 'b-new', gtidExecuted: `${A}:1-15`, finishedAt: '2026-11-24T03:00:16Z' },
      { backupId: 'b-old', gtidExecuted: `${A}:1-5`, finishedAt: '2026-11-24T03:00:06Z' },
      // Inside the gap: nothing after it can be replayed from this one.
      { backupId: 'b-in-gap', gtidExecuted: `${A}:1-30`, finishedAt: '2026-11-24T03:00:31Z' },
    ];
    const r = recoverability('mysql', archive, backups, seconds(80));
    assert.deepEqual(
      r.windows.map((w) => [w.baseBackup.backupId, w.firstFile, w.lastFile, w.from, w.to, w.newestCommit]),
      [['b-old', 'binlog.000001', 'binlog.000002', '', `${A}:1-20`, isoMicros(seconds(20))]],
    );
    assert.deepEqual(
      r.uncovered.map((s) => [s.firstFile, s.lastFile, s.from, s.to, s.segments]),
      [['binlog.000005', 'binlog.000006', `${A}:1-40`, `${A}:1-50`, 2]],
    );
    assert.equal(r.gaps.length, 1);
    assert.equal(r.gaps[0]!.missingFiles, 'binlog.000003 … binlog.000004');
    assert.match(
      r.gaps[0]!.description,
      /binlog\.000003 … binlog\.000004 .* purged before archiving.* held 11111111-2222-3333-4444-555555555555:21-40/,
    );
    assert.equal(r.newestArchivedCommit, isoMicros(seconds(50)));
    assert.equal(r.rpoSeconds, 30);
  });

  test('a backup taken after the gap makes the later stretch recoverable', () => {
    const r = recoverability(
      'mysql',
      archive,
      [{ backupId: 'b-after', gtidExecuted: `${A}:1-45`, finishedAt: '2026-11-24T03:00:46Z' }],
      seconds(50),
    );
    assert.deepEqual(
      r.windows.map((w) => [w.baseBackup.backupId, w.firstFile]),
      [['b-after', 'binlog.000005']],
    );
    assert.deepEqual(
      r.uncovered.map((s) => s.firstFile),
      ['binlog.000001'],
    );
  });

  test('redundant segments carry no commits of their own, and an empty archive has no RPO', () => {
    const entries = [segment('binlog.000001', '', `${A}:1-10`, 10), segment('binlog.000002', '', `${A}:1-10`, 99, 'redundant')];
    assert.equal(recoverability('mysql', entries, [], seconds(20)).rpoSeconds, 10);
    const empty = recoverability('mysql', [], [], seconds(20));
    assert.deepEqual([empty.windows, empty.gaps, empty.rpoSeconds, empty.newestArchivedCommit], [[], [], null, null]);
  });

  test('MariaDB windows compare backup positions with the archived binlog states', () => {
    const entries: StreamEntry[] = [
      {
        kind: 'segment',
        file: 'binlog.000003',
        serverKey: 'server-2',
        status: 'archived',
        previousGtids: '0-1-10,0-2-12',
        reached: '0-2-20',
        firstCommitMicros: seconds(1),
        lastCommitMicros: seconds(2),
      },
    ];
    const r = recoverability(
      'mariadb',
      entries,
      [{ backupId: 'b', gtidExecuted: '0-2-15', finishedAt: '2026-11-24T03:00:01Z' }],
      seconds(3),
    );
    assert.deepEqual(
      r.windows.map((w) => [w.from, w.to, w.baseBackup.backupId]),
      [['0-1-10,0-2-12', '0-2-20', 'b']],
    );
  });

  test('commit times keep their microseconds through text', () => {
    const micros = seconds(0) + 123_456;
    assert.equal(isoMicros(micros), '2026-11-24T03:00:00.123456Z');
    assert.equal(microsOf(isoMicros(micros)), micros);
  });
});
