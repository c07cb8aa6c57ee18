import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildCli } from '../../../client/cli';
import { progressText } from '../../../client/restore/command';
import { InvalidInputError } from '../../../domain/errors';
import type { RestoreProgress } from '../../../domain/restore/workflow-types';

const run = (...args: string[]) => {
  const argv = ['node', 'pitr', ...args, '--config', '/nonexistent/central.json'];
  return buildCli(argv).parseAsync(argv);
};

test('pitr plan and pitr restore refuse a target without a zone before reading any configuration', async () => {
  await assert.rejects(
    run('plan', '--tenant', 't', '--cluster', 'c', '--to', '2026-11-27T09:30:00'),
    /not an instant, a GTID set or latest/,
  );
  await assert.rejects(run('restore', '--tenant', 't', '--cluster', 'c', '--to', '2026-11-27 09:30'), InvalidInputError);
});

test('pitr restore refuses a --keep-for that is not a positive number of minutes', async () => {
  await assert.rejects(
    run('restore', '--tenant', 't', '--cluster', 'c', '--to', 'latest', '--keep-for', 'abc'),
    /--keep-for "abc" is not a number of minutes/,
  );
  await assert.rejects(run('restore', '--tenant', 't', '--cluster', 'c', '--to', 'latest', '--keep-for', '0'), InvalidInputError);
});

test('pitr restore --wait shows a kept restore with its address, the last transaction applied and what verification checked', () => {
  const progress: RestoreProgress = {
    phase: 'kept',
    backupId: 'b1',
    segments: 2,
    appliedThrough: 'u:1-77',
    throughGtid: 'u:77',
    throughCommit: '2026-11-27T09:30:00.250000Z',
    verification: {
      gtidExecuted: 'u:1-77',
      tablesChecked: 2,
      rowCounts: { 'shop.items': 3, 'shop.later': 0 },
      manifestTablesGone: ['shop.old'],
      tablesCreatedAfterBackup: ['shop.later'],
      checks: ["GTID state equals the plan's: u:1-77"],
    },
    instance: { host: '127.0.0.1', port: 40001, socket: '/tmp/s.sock', user: 'root' },
    keptUntil: '2026-11-27T11:30:00.000Z',
    error: null,
  };
  const text = progressText('restore-1', progress);
  assert.match(text, /kept at 127\.0\.0\.1:40001 .* until 2026-11-27T11:30:00\.000Z, applied through u:1-77/);
  assert.match(text, /last transaction applied {2}u:77, committed 2026-11-27T09:30:00\.250000Z/);
  assert.match(text, /GTID state equals the plan's: u:1-77/);
  assert.match(text, /gone since the backup: shop\.old/);
  assert.match(text, /new since the backup: shop\.later/);
  assert.doesNotMatch(progressText('restore-1', { ...progress, phase: 'applying', instance: null }), /verified/);
});

test('pitr restore --wait names the restore host that holds a restore, and why one waits for a host', () => {
  const waiting: RestoreProgress = {
    phase: 'restoring-base',
    backupId: 'b1',
    segments: 2,
    appliedThrough: null,
    throughGtid: null,
    throughCommit: null,
    verification: null,
    instance: null,
    keptUntil: null,
    error: null,
    host: null,
    waiting: 'restore hosts are full (restore host r1 takes no new restore: it holds 8 of its 8 restored instances)',
    hostAttempt: 1,
  };
  assert.match(
    progressText('restore-1', waiting),
    /^restore-1: restoring-base — waiting: restore hosts are full \(restore host r1 .* 8 of its 8/,
  );
  assert.match(
    progressText('restore-1', { ...waiting, host: 'r2', waiting: null, phase: 'applying' }),
    /^restore-1: applying on restore host r2$/,
  );
});
