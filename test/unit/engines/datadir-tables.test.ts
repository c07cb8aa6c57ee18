import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { datadirTables, decodeFilename } from '../../../adapters/engines/datadir-tables';

function tree(files: Record<string, string | Buffer>): string {
  const root = mkdtempSync(join(tmpdir(), 'datadir-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

const TABLE_FRM = Buffer.from([0xfe, 0x01, 0x0a, 0x0c, 0, 0, 0, 0, 0, 0]);

test('with .frm files (MariaDB): every table .frm outside system schemas, not views, names decoded', () => {
  const root = tree({
    'app/events.frm': TABLE_FRM,
    'app/events.new': '',
    'app/recent_events.frm': 'TYPE=VIEW\nquery=select 1\n',
    'my@002ddb/odd@0024name.frm': TABLE_FRM,
    'mysql/user.frm': TABLE_FRM,
    'performance_schema/db.opt': '',
    ibdata1: '',
  });
  try {
    assert.deepEqual(datadirTables(root), ['app.events', 'my-db.odd$name']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('without .frm files (MySQL 8+, XtraBackup): every .ibd outside system schemas, partitions folded into their table', () => {
  const root = tree({
    'app/events.ibd': '',
    'app/metrics#p#p2024.ibd': '',
    'app/metrics#p#p2025.ibd': '',
    'sys/sys_config.ibd': '',
    '#innodb_temp/temp_1.ibt': '',
  });
  try {
    assert.deepEqual(datadirTables(root), ['app.events', 'app.metrics']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('filename encoding: @ and four hex digits is one character, the rest is kept', () => {
  assert.equal(decodeFilename('a@0020b@002dc_d'), 'a b-c_d');
});
