import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { requestRestore, restoreWorkflowId } from '../../../client/restore/request';
import { runFailureOf, WorkflowRunFailedError } from '../../../client/workflow-failure';
import { isoMicros } from '../../../domain/archive/recoverable';
import type { RestoreProgress } from '../../../domain/restore/workflow-types';
import { pitrRestoreWorkflow, restoreProgressQuery } from '../../../workflows';
import { CENTRAL_TASK_QUEUE } from '../../../domain/task-queues';
import { testStack } from '../../harness/env';
import { startTestCentralWorkers, temporalClient } from '../../harness/workers';
import { archivedCluster } from './archived-cluster';

const RESTORE_ROOT = join(testStack().stateDir, 'restores');
process.env.PITR_RESTORE_DIR = RESTORE_ROOT;
const centralReady = startTestCentralWorkers();
const cli = resolve(__dirname, '../../../client/cli.js');

async function pitr(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [cli, ...args, '--config', testStack().configs.central]);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const noStackTrace = (stderr: string) => assert.doesNotMatch(stderr, /unexpected error|^\s+at /m, `no stack trace: ${stderr}`);

const cluster = (async () => {
  await centralReady;
  return archivedCluster('mysql', { intervalMs: 50, settleMs: 2000 }, 'cli');
})();

test('a failing restore with --wait prints its own error and hint, and with --json one object incident tooling parses; requestRestore rejects with the same typed error', async () => {
  const { ids, rows } = await cluster;
  // Before the first row: the backup came later, so the plan inside the workflow refuses it.
  const early = isoMicros(rows[0]!.micros - 1000);
  const args = ['restore', '--tenant', ids.tenantId, '--cluster', ids.clusterId, '--to', early, '--wait'];
  const text = await pitr(...args, '--key', 'early-text');
  assert.equal(text.code, 2, text.stderr);
  assert.match(text.stderr, /^pitr: restore \S+ failed: RestoreRefusedError: .*before the oldest completed base backup/m);
  assert.match(text.stderr, /^ {2}what to do: pick an instant inside a recoverable window/m);
  noStackTrace(text.stderr);

  const json = await pitr(...args, '--key', 'early-json', '--json');
  assert.notEqual(json.code, 0);
  const lines = json.stdout.trim().split('\n');
  assert.equal(lines.length, 1, 'exactly one JSON object on stdout');
  const reported = JSON.parse(lines[0]!) as { restoreId: string; status: string; error: { type: string; message: string; hint: string } };
  assert.deepEqual(
    [reported.restoreId, reported.status, reported.error.type],
    [restoreWorkflowId(ids.tenantId, ids.clusterId, 'early-json'), 'failed', 'RestoreRefusedError'],
  );
  assert.match(reported.error.message, /before the oldest completed base backup/);
  assert.doesNotMatch(reported.error.message, /what to do/, 'the hint is apart from the message');
  assert.match(reported.error.hint, /pick an instant inside a recoverable window/);
  noStackTrace(json.stderr);

  const requested = await requestRestore(await temporalClient(), {
    ...ids,
    target: { kind: 'instant', at: early },
    idempotencyKey: 'early-api',
  });
  await assert.rejects(requested.result(), (err: Error) => {
    assert.ok(err instanceof WorkflowRunFailedError, String(err));
    assert.deepEqual([err.workflowId, err.failure.type], [requested.restoreId, 'RestoreRefusedError']);
    assert.match(err.failure.hint ?? '', /recoverable window/);
    return true;
  });
});

test('a backup or restore of an unregistered cluster is refused before anything starts; a restore started anyway fails at once', async () => {
  await centralReady;
  const tenantId = 't-cli';
  const clusterId = `c-unregistered-${process.pid}`;
  const restore = await pitr('restore', '--tenant', tenantId, '--cluster', clusterId, '--to', 'latest', '--key', 'k', '--wait');
  assert.equal(restore.code, 2);
  assert.match(restore.stderr, /is not registered/);
  assert.match(restore.stderr, /what to do: register it with `pitr cluster add/);
  noStackTrace(restore.stderr);
  const asJson = await pitr('restore', '--tenant', tenantId, '--cluster', clusterId, '--to', 'latest', '--key', 'k', '--wait', '--json');
  assert.equal(asJson.code, 2);
  assert.deepEqual(JSON.parse(asJson.stdout), {
    restoreId: null,
    status: 'refused',
    error: {
      type: 'ClusterNotFoundError',
      message: `cluster ${clusterId} of tenant ${tenantId} is not registered`,
      hint: `register it with \`pitr cluster add --tenant ${tenantId} --cluster ${clusterId} ...\``,
    },
  });
  const client = await temporalClient();
  await assert.rejects(
    client.workflow.getHandle(restoreWorkflowId(tenantId, clusterId, 'k')).describe(),
    WorkflowNotFoundError,
    'no restore was started',
  );
  const backup = await pitr('backup', '--tenant', tenantId, '--cluster', clusterId, '--wait');
  assert.equal(backup.code, 2);
  assert.match(backup.stderr, /is not registered/);
  const started = await client.workflow.list({ query: `ClusterId = '${clusterId}'` });
  for await (const run of started) assert.fail(`a workflow was started for the unregistered cluster: ${run.workflowId}`);

  const direct = Date.now();
  const handle = await client.workflow.start(pitrRestoreWorkflow, {
    taskQueue: CENTRAL_TASK_QUEUE,
    workflowId: `direct-${clusterId}`,
    args: [{ tenantId, clusterId, target: { kind: 'latest' } }],
  });
  await assert.rejects(handle.result(), (err: Error) => {
    assert.ok(err instanceof WorkflowFailedError, String(err));
    assert.equal(runFailureOf(err).type, 'ClusterNotFoundError', JSON.stringify(runFailureOf(err)));
    return true;
  });
  assert.ok(Date.now() - direct < 30_000, 'terminal at once, not retried for minutes');
});

test('pitr restore extend keeps a kept restore longer and release tears it down on its host; both refuse a restore that has ended', async () => {
  const { ids } = await cluster;
  const requested = await requestRestore(await temporalClient(), {
    ...ids,
    target: { kind: 'latest' },
    keepForMs: 10 * 60_000,
    idempotencyKey: 'keep',
  });
  let progress: RestoreProgress;
  do progress = await requested.handle.query(restoreProgressQuery);
  while (progress.phase !== 'kept' && progress.phase !== 'failed' && (await new Promise((r) => setTimeout(r, 250, true))));
  assert.equal(progress.phase, 'kept', progress.error ?? '');

  const extended = await pitr('restore', 'extend', '--restore-id', requested.restoreId, '--by', '60', '--json');
  assert.equal(extended.code, 0, extended.stderr);
  const { keptUntil } = JSON.parse(extended.stdout) as { keptUntil: string };
  assert.ok(Date.parse(keptUntil) - Date.parse(progress.keptUntil!) >= 59 * 60_000, `kept until ${keptUntil}, was ${progress.keptUntil}`);

  assert.equal(existsSync(join(RESTORE_ROOT, requested.restoreId)), true);
  const released = await pitr('restore', 'release', '--restore-id', requested.restoreId);
  assert.equal(released.code, 0, released.stderr);
  assert.match(released.stdout, /released and torn down/);
  assert.equal(existsSync(join(RESTORE_ROOT, requested.restoreId)), false, 'the instance and its folder are gone when release returns');

  const again = await pitr('restore', 'release', '--restore-id', requested.restoreId);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /has already ended/);
  const unknown = await pitr('restore', 'extend', '--restore-id', 'restore.no-such', '--by', '5');
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /there is no restore restore\.no-such/);
});
