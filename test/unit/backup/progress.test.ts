import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultPayloadConverter } from '@temporalio/common';
import { mergeProgress, renderProgress } from '../../../client/backup/progress';
import { noAgentPolling } from '../../../domain/agent-queue';

const heartbeat = (details: object) => ({ payloads: [defaultPayloadConverter.toPayload(details)] });

test('during execute the bar is drawn from the bytes the engine heartbeats against the data size prepare measured', () => {
  const p = mergeProgress(
    { phase: 'execute', bytesDone: 0, lastError: undefined },
    [
      {
        activityType: { name: 'executeBackup' },
        attempt: 1,
        heartbeatDetails: heartbeat({ step: 'execute', phase: 'execute', bytesDone: 25_000_000 }),
      },
    ],
    { dataBytes: 100_000_000 },
  );
  assert.deepEqual(p, {
    phase: 'execute',
    bytesDone: 25_000_000,
    expectedBytes: 100_000_000,
    attempt: 1,
    lastError: undefined,
    waiting: undefined,
  });
  assert.equal(renderProgress(p, 20), 'execute  [#####...............]  25% 25.0/100.0 MB');
});

test('during upload the bar counts the bytes read against what the engine wrote', () => {
  const p = mergeProgress(
    { phase: 'upload', bytesDone: 80_000_000, lastError: undefined },
    [
      {
        activityType: { name: 'uploadArtifact' },
        attempt: 1,
        heartbeatDetails: heartbeat({ step: 'upload', inputBytes: 60_000_000, upload: { parts: [] } }),
      },
    ],
    { dataBytes: 100_000_000, executedBytes: 120_000_000 },
  );
  assert.equal(renderProgress(p, 20), 'upload   [##########..........]  50% 60.0/120.0 MB');
});

test('an engine writing more than the estimate fills the bar without passing 100%', () => {
  const p = mergeProgress(
    { phase: 'execute', bytesDone: 0, lastError: undefined },
    [{ attempt: 1, heartbeatDetails: heartbeat({ bytesDone: 150_000_000 }) }],
    { dataBytes: 100_000_000 },
  );
  assert.equal(renderProgress(p, 10), 'execute  [##########] 100% 150.0/100.0 MB');
});

test('a deferred prepare shows its attempt and the error it retries on, which the query alone does not know', () => {
  const p = mergeProgress(
    { phase: 'prepare', bytesDone: 0, lastError: undefined },
    [
      {
        activityType: { name: 'prepareBackup' },
        attempt: 4,
        lastFailure: { message: 'backup b deferred: 1 session(s) wait for a table metadata lock' },
      },
    ],
    {},
  );
  assert.equal(p.lastError, 'backup b deferred: 1 session(s) wait for a table metadata lock');
  assert.equal(renderProgress(p), 'prepare  0.0 MB attempt 4 (last error: backup b deferred: 1 session(s) wait for a table metadata lock)');
});

test('without a heartbeat or an expected size, the query’s own figures are shown as they are', () => {
  const p = mergeProgress({ phase: 'failed', bytesDone: 5_000_000, lastError: 'ArtifactCorruptError' }, [], { dataBytes: 1 });
  assert.equal(renderProgress(p), 'failed   5.0 MB (last error: ArtifactCorruptError)');
});

test('a prepare that no agent polls for says so and what to start; the queue watcher is no phase of its own', () => {
  const p = mergeProgress(
    { phase: 'prepare', bytesDone: 0, lastError: undefined, noAgentPolling: noAgentPolling('pitr-agent.4-acme-orders', 'acme', 'orders') },
    [
      {
        activityType: { name: 'watchAgentPollers' },
        attempt: 3,
        lastFailure: { message: 'watcher failure' },
        heartbeatDetails: heartbeat({ polled: false }),
      },
      { activityType: { name: 'prepareBackup' }, attempt: 1 },
    ],
    {},
  );
  assert.equal(
    renderProgress(p),
    'prepare  0.0 MB — waiting: no agent is polling task queue pitr-agent.4-acme-orders for acme/orders — start `pitr agent --config <agent configuration of acme/orders>` on the database host',
  );
});
