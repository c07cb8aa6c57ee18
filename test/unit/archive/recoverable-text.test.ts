import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ClusterRecoverability } from '../../../activities/archive/recoverable';
import type { RecoverableWindow } from '../../../domain/archive/recoverable';
import { recoverableText } from '../../../client/binlogs/recoverable-text';

const A = '11111111-2222-3333-4444-555555555555';

function report(
  window: Partial<RecoverableWindow> & Pick<RecoverableWindow, 'newestCommit'>,
  halted: ClusterRecoverability['halted'] = [],
): ClusterRecoverability {
  return {
    tenantId: 't',
    clusterId: 'c',
    flavor: 'mysql',
    windows: [
      {
        from: '',
        to: `${A}:1-20`,
        firstFile: 'binlog.000001',
        lastFile: 'binlog.000002',
        segments: 2,
        baseBackup: { backupId: 'b1', gtidExecuted: `${A}:1-20`, finishedAt: '2026-11-24T03:00:30.500Z' },
        ...window,
      },
    ],
    uncovered: [],
    gaps: [],
    newestArchivedCommit: window.newestCommit,
    rpoSeconds: 12,
    halted,
    lastPass: null,
  };
}

describe('pitr recoverable text', () => {
  test('a window runs from its backup’s end to the newest archived commit', () => {
    const text = recoverableText(report({ newestCommit: '2026-11-24T03:00:40.000001Z' }));
    assert.match(text, /^window {2}2026-11-24T03:00:30\.500Z … 2026-11-24T03:00:40\.000001Z {2}from backup b1 /m);
  });

  test('a backup that finished after the newest archived commit is a one-instant window, never an end before its start', () => {
    for (const newestCommit of ['2026-11-24T03:00:30.499999Z', null]) {
      const line = recoverableText(report({ newestCommit }))
        .split('\n')
        .find((l) => l.startsWith('window'))!;
      assert.match(line, /^window {2}2026-11-24T03:00:30\.500Z only \(no archived commit is newer than the backup\) {2}from backup b1 /);
    }
  });

  test('a halted archive says why, before the windows it stopped', () => {
    const halt = {
      kind: 'binlog-rewritten' as const,
      subject: `${A}/binlog.000001`,
      message: 'binlog binlog.000001 is archived already…',
      raisedAt: '2026-11-24T03:01:00.000Z',
    };
    const lines = recoverableText(report({ newestCommit: '2026-11-24T03:00:40Z' }, [halt])).split('\n');
    assert.equal(lines[1], 'HALTED  binlog-rewritten since 2026-11-24T03:01:00.000Z: binlog binlog.000001 is archived already…');
    assert.match(lines[2]!, /^window /);
  });

  test('a failing archive pass says where and why, with what to do', () => {
    const lastPass = {
      outcome: 'failed' as const,
      workflowId: 'archive-c-1',
      runId: 'r',
      startedAt: '2026-11-24T03:02:00.000Z',
      finishedAt: '2026-11-24T03:02:01.000Z',
      failingSince: '2026-11-24T03:01:00.000Z',
      error: {
        type: 'DatabaseUnavailableError',
        message: 'cannot connect: Access denied',
        hint: 'check the password',
        activity: 'surveyBinlogs',
      },
    };
    const lines = recoverableText({ ...report({ newestCommit: '2026-11-24T03:00:40Z' }), lastPass }).split('\n');
    assert.equal(
      lines[1],
      'FAILING last archive pass 2026-11-24T03:02:01.000Z (since 2026-11-24T03:01:00.000Z): surveyBinlogs: DatabaseUnavailableError: cannot connect: Access denied (what to do: check the password)',
    );
  });
});
