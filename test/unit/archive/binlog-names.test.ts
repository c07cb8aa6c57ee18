import assert from 'node:assert/strict';
import { test } from 'node:test';
import { filesBetween, inBinlogOrder, parseBinlogName } from '../../../domain/archive/binlog-names';
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

test('the active binlog is rotated only when its oldest transaction would outlive the RPO target by the next pass', () => {
  const now = 1_000_000;
  assert.equal(rotationDue({ oldestUnarchivedSeconds: undefined, nowSeconds: now, rpoSeconds: 1 }), false);
  assert.equal(rotationDue({ oldestUnarchivedSeconds: now - 239, nowSeconds: now, rpoSeconds: 300 }), false);
  assert.equal(rotationDue({ oldestUnarchivedSeconds: now - (300 - ARCHIVE_INTERVAL_SECONDS), nowSeconds: now, rpoSeconds: 300 }), true);
  assert.equal(rotationDue({ oldestUnarchivedSeconds: now, nowSeconds: now, rpoSeconds: 30 }), true);
});
