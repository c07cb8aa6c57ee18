import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RecoverableWindow } from '../../../domain/archive/recoverable';
import { verificationInstant } from '../../../domain/restore/verification';

function window(backupFinished: string, newestCommit: string | null): RecoverableWindow {
  return {
    from: '',
    to: '',
    firstFile: 'binlog.000001',
    lastFile: 'binlog.000002',
    segments: 2,
    newestCommit,
    baseBackup: { backupId: `b-${backupFinished}`, gtidExecuted: '', finishedAt: backupFinished },
  };
}

const HOUR = 3600 * 1_000_000;

test('a verification instant lies in the last lookback of the newest window, spread by the random draw', () => {
  const windows = [
    window('2026-11-26T00:00:00.000000Z', '2026-11-26T06:00:00.000000Z'),
    window('2026-11-27T00:00:00.000000Z', '2026-11-27T09:00:00.000000Z'),
  ];
  assert.equal(verificationInstant(windows, HOUR, 0), '2026-11-27T08:00:00.000000Z');
  assert.equal(verificationInstant(windows, HOUR, 0.5), '2026-11-27T08:30:00.000000Z');
  assert.equal(verificationInstant(windows, HOUR, 0.999999), '2026-11-27T08:59:59.996400Z');
});

test('never before the backup that starts the window, and none when nothing is recoverable', () => {
  assert.equal(
    verificationInstant([window('2026-11-27T08:45:00.000000Z', '2026-11-27T09:00:00.000000Z')], HOUR, 0),
    '2026-11-27T08:45:00.000000Z',
  );
  assert.equal(verificationInstant([window('2026-11-27T08:45:00.000000Z', null)], HOUR, 0.5), null);
  assert.equal(verificationInstant([], HOUR, 0.5), null);
});
