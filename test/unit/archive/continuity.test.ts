import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { checkContinuity, type ContinuityVerdict, historyWentBack } from '../../../domain/archive/continuity';
import { MariadbBinlogState } from '../../../domain/archive/mariadb-binlog-state';
import { MysqlGtidSet } from '../../../domain/gtid';

const A = '11111111-2222-3333-4444-555555555555';
const B = 'e37df7ab-e7b0-11f1-bda4-02fc00000001';

const mysql = (reached: string | undefined, previousGtids: string, gtids: string): ContinuityVerdict =>
  checkContinuity('mysql', reached, { previousGtids, gtids });
const mariadb = (reached: string | undefined, previousGtids: string, gtids: string): ContinuityVerdict =>
  checkContinuity('mariadb', reached, { previousGtids, gtids });

describe('MySQL continuity', () => {
  test('the first file starts the archive with everything before and in it', () => {
    assert.deepEqual(mysql(undefined, `${A}:1-10`, `${A}:11-20`), { continuity: { kind: 'starts' }, reached: `${A}:1-20` });
  });

  test('a file whose Previous-GTIDs equal the archive continues it, empty or not', () => {
    assert.deepEqual(mysql(`${A}:1-10`, `${A}:1-10`, `${A}:11-20`), { continuity: { kind: 'continues' }, reached: `${A}:1-20` });
    assert.deepEqual(mysql(`${A}:1-10`, `${A}:1-10`, ''), { continuity: { kind: 'continues' }, reached: `${A}:1-10` });
  });

  test('a purged binlog shows as the exact missing GTIDs, and the archive continues once the gap is recorded', () => {
    const gap = mysql(`${A}:1-10`, `${A}:1-30`, `${A}:31-40`);
    assert.deepEqual(gap, { continuity: { kind: 'gap', missing: `${A}:11-30` }, reached: `${A}:1-30` });
    assert.deepEqual(mysql(gap.reached, `${A}:1-30`, `${A}:31-40`).continuity, { kind: 'continues' });
  });

  test('a server without the archived history is refused, naming what it lacks', () => {
    // Another server's binlog.000001, same name as the archived one: not a continuation.
    assert.deepEqual(mysql(`${A}:1-10`, '', `${B}:1-5`).continuity, { kind: 'diverged', lacking: `${A}:1-10` });
    // A lagging replica promoted: it never received A:91-100.
    assert.deepEqual(mysql(`${A}:1-100`, `${A}:1-90`, `${B}:1-10`).continuity, { kind: 'diverged', lacking: `${A}:91-100` });
  });

  test("a promoted replica's older files are redundant and its straddling file overlaps", () => {
    assert.deepEqual(mysql(`${A}:1-100`, `${A}:1-50`, `${A}:51-60`), { continuity: { kind: 'redundant' }, reached: `${A}:1-100` });
    assert.deepEqual(mysql(`${A}:1-100`, `${A}:1-60`, `${A}:61-120`), {
      continuity: { kind: 'overlaps', overlap: `${A}:61-100` },
      reached: `${A}:1-120`,
    });
    assert.deepEqual(mysql(`${A}:1-120`, `${A}:1-120`, `${B}:1-3`), { continuity: { kind: 'continues' }, reached: `${A}:1-120,${B}:1-3` });
  });

  test('property: consecutive files continue; a dropped file is exactly one gap of its GTIDs', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 2, maxLength: 12 }), fc.nat(), (sizes, pick) => {
        let next = 1;
        const files = sizes.map((size) => {
          const previous = next === 1 ? '' : `${A}:1-${next - 1}`;
          const gtids = size === 0 ? '' : `${A}:${next}-${next + size - 1}`;
          next += size;
          return { previousGtids: previous, gtids };
        });
        const dropped = 1 + (pick % (files.length - 1));
        let reached: string | undefined;
        const kinds: string[] = [];
        for (const [i, file] of files.entries()) {
          if (i === dropped) continue;
          const verdict = checkContinuity('mysql', reached, file);
          kinds.push(verdict.continuity.kind);
          if (verdict.continuity.kind === 'gap') {
            assert.ok(MysqlGtidSet.parse(verdict.continuity.missing).equals(MysqlGtidSet.parse(files[dropped]!.gtids)));
            reached = verdict.reached;
            assert.equal(checkContinuity('mysql', reached, file).continuity.kind, 'continues');
          }
          reached = checkContinuity('mysql', reached, file).reached;
        }
        const gaps = kinds.filter((k) => k === 'gap').length;
        assert.equal(gaps, files[dropped]!.gtids === '' || dropped === files.length - 1 ? 0 : 1);
        assert.ok(kinds.every((k, i) => (i === 0 ? k === 'starts' : k === 'continues' || k === 'gap')));
        const expected = dropped === files.length - 1 ? files[dropped]!.previousGtids : next === 1 ? '' : `${A}:1-${next - 1}`;
        assert.ok(MysqlGtidSet.parse(reached ?? '').equals(MysqlGtidSet.parse(expected)));
      }),
    );
  });
});

describe('MariaDB continuity', () => {
  test('a Gtid_list is a binlog state: the last GTID of each domain and server id', () => {
    const state = MariadbBinlogState.parse('1-1-7,0-2-150,0-1-100,0-1-90');
    assert.equal(state.toString(), '0-1-100,0-2-150,1-1-7');
    assert.equal(state.position().toString(), '0-2-150,1-1-7');
    assert.ok(state.contains(MariadbBinlogState.parse('0-1-99,1-1-7')));
    assert.ok(!state.contains(MariadbBinlogState.parse('0-3-1')));
  });

  test('a file whose Gtid_list equals the archived state continues it', () => {
    assert.deepEqual(mariadb('0-1-10', '0-1-10', '0-1-20'), { continuity: { kind: 'continues' }, reached: '0-1-20' });
    assert.deepEqual(mariadb('0-1-10,1-1-4', '1-1-4,0-1-10', ''), { continuity: { kind: 'continues' }, reached: '0-1-10,1-1-4' });
  });

  test("a purged binlog is a gap up to the new file's Gtid_list", () => {
    assert.deepEqual(mariadb('0-1-10', '0-1-30', '0-1-40'), { continuity: { kind: 'gap', missing: '0-1-30' }, reached: '0-1-30' });
    assert.deepEqual(mariadb('0-1-10', '0-1-10,1-1-3', '0-1-11'), {
      continuity: { kind: 'gap', missing: '1-1-3' },
      reached: '0-1-10,1-1-3',
    });
  });

  test('failover continues when the new server applied everything archived', () => {
    assert.deepEqual(mariadb('0-1-10', '0-1-10', '0-2-15'), { continuity: { kind: 'continues' }, reached: '0-1-10,0-2-15' });
    assert.deepEqual(mariadb('0-1-10,0-2-15', '0-1-10,0-2-15', '0-2-16').continuity, { kind: 'continues' });
    // The replica's older files, and the one it was promoted in.
    assert.deepEqual(mariadb('0-1-10', '0-1-3', '0-1-6').continuity, { kind: 'redundant' });
    assert.deepEqual(mariadb('0-1-10', '0-1-8', '0-1-10,0-2-11'), {
      continuity: { kind: 'overlaps', overlap: '0-1-10' },
      reached: '0-1-10,0-2-11',
    });
  });

  test('a server that lacks archived transactions is refused, even where its sequence numbers are lower', () => {
    // Promoted after applying 0-1-5 only: its own 0-2-6.. took the numbers of the archived 0-1-6..0-1-10.
    assert.deepEqual(mariadb('0-1-10', '0-1-5', '0-2-8').continuity, { kind: 'diverged', lacking: '0-1-10' });
    assert.deepEqual(mariadb('0-1-10', '0-1-5,0-2-8', '0-2-9').continuity, { kind: 'diverged', lacking: '0-1-10' });
    // Another server's binlog.000001 with its own history.
    assert.deepEqual(mariadb('0-1-10', '', '0-2-10').continuity, { kind: 'diverged', lacking: '0-1-10' });
  });
});

describe("a server's own history going back (a reset)", () => {
  const A = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
  test('MySQL: a next file or piece starting from all the last one reached goes on; one lacking any of it went back', () => {
    const last = { file: 'binlog.000003', previousGtids: `${A}:1-5`, gtids: `${A}:6-8` };
    assert.equal(historyWentBack('mysql', last, { file: 'binlog.000004', previousGtids: `${A}:1-8`, gtids: `${A}:9` }), undefined);
    assert.equal(historyWentBack('mysql', last, { file: 'binlog.000003', previousGtids: `${A}:1-8,${A}:20`, gtids: '' }), undefined);
    assert.equal(
      historyWentBack('mysql', last, { file: 'binlog.000004', previousGtids: `${A}:1-2`, gtids: `${A}:3-9` }),
      `binlog.000004 starts from a history that lacks ${A}:3-8, which its binlog.000003 had reached`,
      'GTIDs numbered again from 1 after RESET BINARY LOGS AND GTIDS',
    );
    assert.equal(
      historyWentBack('mysql', last, { file: 'binlog.000001', previousGtids: `${A}:1-20`, gtids: '' }),
      'its binlog names went back from binlog.000003 to binlog.000001',
      'GTIDs past the archive do not hide names that went back',
    );
  });

  test('MariaDB: each domain and server id must be as far along as the last file left it', () => {
    const last = { file: 'binlog.000003', previousGtids: '0-1-5,1-2-7', gtids: '0-1-9' };
    assert.equal(historyWentBack('mariadb', last, { file: 'binlog.000004', previousGtids: '0-1-9,1-2-7', gtids: '0-1-10' }), undefined);
    assert.equal(
      historyWentBack('mariadb', last, { file: 'binlog.000004', previousGtids: '', gtids: '0-1-3' }),
      'binlog.000004 starts from a history that lacks 0-1-9,1-2-7, which its binlog.000003 had reached',
      'RESET MASTER empties the Gtid_list',
    );
  });
});
