import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRestoreTarget, RestoreTargetError } from '../../../domain/restore/target';

test('instants keep their microseconds and are converted to UTC from any written zone', () => {
  assert.deepEqual(parseRestoreTarget('2026-11-27T09:30:00.123456Z'), { kind: 'instant', at: '2026-11-27T09:30:00.123456Z' });
  assert.deepEqual(parseRestoreTarget('2026-11-27T10:30:00.5+01:00'), { kind: 'instant', at: '2026-11-27T09:30:00.500000Z' });
  assert.deepEqual(parseRestoreTarget('2026-11-27 04:30:00-05:00'), { kind: 'instant', at: '2026-11-27T09:30:00.000000Z' });
});

test('an instant without a zone is refused rather than read in the machine time zone', () => {
  assert.throws(() => parseRestoreTarget('2026-11-27T09:30:00'), RestoreTargetError);
  assert.throws(() => parseRestoreTarget('yesterday'), /not an instant, a GTID set or latest/);
});

test('gtid: and latest targets', () => {
  assert.deepEqual(parseRestoreTarget('gtid:0-1-42'), { kind: 'gtid', set: '0-1-42' });
  assert.deepEqual(parseRestoreTarget('latest'), { kind: 'latest' });
  assert.throws(() => parseRestoreTarget('gtid:'), RestoreTargetError);
});
