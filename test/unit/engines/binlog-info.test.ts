import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseBinlogInfo, readBinlogInfo } from '../../../adapters/engines/binlog-info';
import { CoordinateMissingError } from '../../../adapters/engines/errors';

test('mariadb-backup 10.11 binlog info: file, position and GTID position', () => {
  assert.deepEqual(parseBinlogInfo('mariadb-bin.000001\t851\t0-6-3,7-6-120\n'), {
    binlogFile: 'mariadb-bin.000001',
    binlogPosition: 851,
    gtid: '0-6-3,7-6-120',
  });
});

test('XtraBackup binlog info: a MySQL GTID set printed over several lines is joined', () => {
  const text = 'binlog.000003\t1234\t4bdc9e0f-ea3c-11f1-8c18-02fc00000001:1-10,\naaaaaaaa-bbbb-cccc-dddd-000000000001:1-5\n';
  assert.deepEqual(parseBinlogInfo(text), {
    binlogFile: 'binlog.000003',
    binlogPosition: 1234,
    gtid: '4bdc9e0f-ea3c-11f1-8c18-02fc00000001:1-10,aaaaaaaa-bbbb-cccc-dddd-000000000001:1-5',
  });
});

test('a server without GTIDs yields an empty GTID text; without a position nothing parses', () => {
  assert.equal(parseBinlogInfo('binlog.000001\t157\n')?.gtid, '');
  assert.equal(parseBinlogInfo('binlog.000001\n'), undefined);
});

test('the file is looked up under either name, and its absence is a missing coordinate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'binlog-info-'));
  try {
    assert.throws(() => readBinlogInfo('mariadb-backup', dir), CoordinateMissingError);
    writeFileSync(join(dir, 'mariadb_backup_binlog_info'), 'mariadb-bin.000002\t4\t0-1-1\n');
    assert.equal(readBinlogInfo('mariadb-backup', dir).source, 'mariadb_backup_binlog_info');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
