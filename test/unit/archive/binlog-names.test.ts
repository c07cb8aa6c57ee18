import assert from 'node:assert/strict';
import { test } from 'node:test';
import { filesBetween, filesToDate, inBinlogOrder, parseBinlogName } from '../../../domain/archive/binlog-names';
import { InvalidInputError } from '../../../domain/errors';
import { ARCHIVE_INTERVAL_SECONDS, rotationDue } from '../../../domain/archive/rotation';

test('binlogs are ordered by sequence number, past the six-digit rollover', () => {
  const names = ['binlog.1000000', 'binlog.999999', 'binlog.000010', 'binlog.000009'];
  assert.deepEqual(
    inBinlogOrder(names.map((name) => ({ name }))).map((f) => f.name),
    ['binlog.000009', 'binlog.000010', 'binlog.999999', 'binlog.1000000'],
  );
  assert.throws(() => parseBinlogName('binlog.index'), InvalidInputError);
  assert.throws(() => parseBinlogName('../binlog.000001'), InvalidInputError);
});

test('the files purged between two binlogs are named by their first and last', () => {
  assert.deepEqual(filesBetween('binlog.000003', 'binlog.000006'), { first: 'binlog.000004', last: 'binlog.000005' });
  assert.deepEqual(filesBetween('binlog.000003', 'binlog.000005'), { first: 'binlog.000004', last: 'binlog.000004' });
  assert.equal(filesBetween('binlog.000003', 'binlog.000004'), undefined);
  assert.equal(filesBetween('mysql-bin.000003', 'binlog.000009'), undefined);
});

test("a pass dates the files after the archive's newest and that one, which a reset would have rewritten first", () => {
  const closed = ['binlog.000098', 'binlog.000099', 'binlog.000100', 'binlog.000101', 'binlog.000102'].map((name) => ({ name }));
  const names = (newest: string | undefined) => filesToDate(closed, newest).map((f) => f.name);
  assert.deepEqual(names('binlog.000100'), ['binlog.000100', 'binlog.000101', 'binlog.000102']);
  assert.deepEqual(names('binlog.000102'), ['binlog.000102']);
  assert.deepEqual(
    names(undefined),
    closed.map((f) => f.name),
    'nothing of this server archived: every file',
  );
  assert.deepEqual(
    names('binlog.000040'),
    closed.map((f) => f.name),
    'the newest archived is purged: every file is new',
  );
  // After RESET BINARY LOGS AND GTIDS the server restarts at .000001: the newest listed name the archive holds is rewritten.
  assert.deepEqual(
    filesToDate([{ name: 'binlog.000001' }, { name: 'binlog.000002' }], 'binlog.000100').map((f) => f.name),
    ['binlog.000002'],
  );
});

test('the active binlog is rotated only when its oldest transaction would outlive the RPO target by the next pass', () => {
  const now = 1_000_000;
  assert.equal(rotationDue({ oldestUnarchivedSeconds: undefined, nowSeconds: now, rpoSeconds: 1 }), false);
  assert.equal(rotationDue({ oldestUnarchivedSeconds: now - 239, nowSeconds: now, rpoSeconds: 300 }), false);
  assert.equal(rotationDue({ oldestUnarchivedSeconds: now - (300 - ARCHIVE_INTERVAL_SECONDS), nowSeconds: now, rpoSeconds: 300 }), true);
  assert.equal(rotationDue({ oldestUnarchivedSeconds: now, nowSeconds: now, rpoSeconds: 30 }), true);
});
