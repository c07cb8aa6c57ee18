import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { indexStagingPath } from '../../../activities/archive/segment-index';

const dir = mkdtempSync(join(tmpdir(), 'pitr-index-staging-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('index staging files of binlog uploads', () => {
  it('gives two overlapping uploads of one binlog files of their own', () => {
    const first = indexStagingPath(dir, 'server-1', 'binlog.000007');
    writeFileSync(first, 'the first attempt is writing this');
    const second = indexStagingPath(dir, 'server-1', 'binlog.000007');
    assert.notEqual(first, second);
    assert.equal(dirname(second), dir);
    assert.ok(existsSync(first), 'the running attempt keeps its file');
  });

  it('removes what long-dead attempts left, and only that', () => {
    const dead = indexStagingPath(dir, 'server-1', 'binlog.000008');
    const live = indexStagingPath(dir, 'server-1', 'binlog.000008');
    const otherFile = indexStagingPath(dir, 'server-1', 'binlog.000009');
    for (const path of [dead, live, otherFile]) writeFileSync(path, '{}\n');
    const fourHoursAgo = new Date(Date.now() - 4 * 3600_000);
    utimesSync(dead, fourHoursAgo, fourHoursAgo);
    utimesSync(otherFile, fourHoursAgo, fourHoursAgo);
    indexStagingPath(dir, 'server-1', 'binlog.000008');
    assert.deepEqual([existsSync(dead), existsSync(live), existsSync(otherFile)], [false, true, true]);
  });
});
