import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import type { CentralRestoreActivities, HostRestoreActivities } from '../../../activities/restore/types';
import type { RestoreOutcome } from '../../../domain/restore/workflow-types';
import type { RetentionActivities } from '../../../activities/retention/types';
import type { RestorePlan } from '../../../domain/restore/plan';
import type { PitrRestoreInput, RestoreProgress } from '../../../domain/restore/workflow-types';
import { extendRestoreSignal, pitrRestoreWorkflow, releaseRestoreSignal, restoreProgressQuery } from '../../../workflows';
import { CENTRAL_TASK_QUEUE, restoreHostQueue, restoreReleaseQueue } from '../../../domain/task-queues';
import { Calls, workflowTestBed } from './environment';

const TENANT = 'acme';
const HOST = 'stub-host';
const bed = workflowTestBed();
/** Per restore (workflow id): what its stubs were asked, and which step runs until cancelled. */
const restores = new Map<string, { calls: Calls; untilCancelled?: keyof HostRestoreActivities }>();
let workersStarted: Promise<unknown> | undefined;

const restoreIdOf = (clusterId: string) => `restore-${clusterId}`;

function planOf(tenantId: string, clusterId: string): RestorePlan {
  return {
    tenantId,
    clusterId,
    flavor: 'mysql',
    target: { kind: 'latest' },
    backup: { backupId: `backup-${clusterId}`, engine: 'clone', serverVersion: '9.7.0', sizeBytes: 1000 },
    segments: [],
    stop: null,
    expectedGtids: '',
    throughGtid: null,
    throughCommit: null,
    heldBack: null,
    windows: [],
  } as unknown as RestorePlan;
}

async function step<T>(restoreId: string, name: keyof HostRestoreActivities, result: T): Promise<T> {
  const restore = restores.get(restoreId)!;
  restore.calls.record(name, restoreId);
  if (restore.untilCancelled === name) {
    const ctx = Context.current();
    try {
      for (;;) {
        ctx.heartbeat();
        await ctx.sleep(200);
      }
    } finally {
      restore.calls.record(`${name} stopped`, restoreId);
    }
  }
  return result;
}

const SERVER = { host: '127.0.0.1', port: 33999, socket: '/tmp/stub.sock', user: 'pitr_admin', optionFile: '/tmp/stub.cnf' };
const planned = (plan: RestorePlan) => restoreIdOf(plan.clusterId);

const host: HostRestoreActivities = {
  claimRestoreHost: async () => ({ hostId: HOST, taskQueue: restoreHostQueue(HOST) }),
  restoreBase: ({ plan }) => step(planned(plan), 'restoreBase', { server: SERVER as never, schemaTables: [] }),
  fetchSegments: ({ plan }) => step(planned(plan), 'fetchSegments', { files: [], bytes: 0 }),
  applyToTarget: ({ plan }) =>
    step(planned(plan), 'applyToTarget', { route: 'replication-applier', appliedThrough: '', transactionsApplied: 0, seconds: 0 }),
  verifyRestore: ({ plan }) =>
    step(planned(plan), 'verifyRestore', { gtidExecuted: '', tablesChecked: 0, rowCounts: {}, manifestTablesGone: [] } as never),
  releaseRestore: async ({ restoreId }) => restores.get(restoreId)!.calls.record('releaseRestore', restoreId),
};

const central: Pick<CentralRestoreActivities, 'planRestore' | 'recordRestoreOutcome'> &
  Pick<RetentionActivities, 'holdArtifacts' | 'releaseHolds'> = {
  planRestore: async ({ tenantId, clusterId }) => planOf(tenantId, clusterId),
  recordRestoreOutcome: async (outcome: RestoreOutcome) => restores.get(outcome.restoreId)!.calls.record('recordRestoreOutcome', outcome),
  holdArtifacts: async ({ holder }) => restores.get(holder)!.calls.record('holdArtifacts', holder),
  releaseHolds: async ({ holder }) => restores.get(holder)!.calls.record('releaseHolds', holder),
};

async function restore(clusterId: string, input: Partial<PitrRestoreInput>, untilCancelled?: keyof HostRestoreActivities) {
  const calls = new Calls();
  const restoreId = restoreIdOf(clusterId);
  restores.set(restoreId, { calls, ...(untilCancelled ? { untilCancelled } : {}) });
  const { env, worker } = bed();
  workersStarted ??= Promise.all([
    worker(CENTRAL_TASK_QUEUE, central, { workflows: true }),
    worker(restoreReleaseQueue('mysql', '9.7'), host),
    worker(restoreHostQueue(HOST), host),
  ]);
  await workersStarted;
  const handle = await env.client.workflow.start(pitrRestoreWorkflow, {
    taskQueue: CENTRAL_TASK_QUEUE,
    workflowId: restoreId,
    args: [{ tenantId: TENANT, clusterId, target: { kind: 'latest' }, ...input }],
  });
  return { handle, calls };
}

async function phaseReached(query: () => Promise<RestoreProgress>, phase: RestoreProgress['phase']): Promise<RestoreProgress> {
  for (;;) {
    const progress = await query();
    if (progress.phase === phase) return progress;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('PitrRestoreWorkflow against stubbed hosts', { concurrency: true }, () => {
  test('a kept restore holds its instance until the keep period runs out, then tears it down and releases its holds', async () => {
    const { handle, calls } = await restore('kept', { keepForMs: 3000 });
    const kept = await phaseReached(() => handle.query(restoreProgressQuery), 'kept');
    assert.deepEqual(kept.instance, SERVER, 'the kept instance is shown with its address');
    assert.equal(calls.count('releaseRestore'), 0, 'nothing is torn down while kept');
    const result = await handle.result();
    assert.deepEqual(result.instance, SERVER);
    assert.equal(calls.count('releaseRestore'), 1, 'torn down once the keep period ran out');
    assert.equal(calls.count('releaseHolds'), 1);
    assert.equal(calls.inputOf<RestoreOutcome>('recordRestoreOutcome')?.status, 'succeeded');
  });

  test('extend moves the teardown later; release tears the instance down at once', async () => {
    const { handle, calls } = await restore('extended', { keepForMs: 2000 });
    const before = await phaseReached(() => handle.query(restoreProgressQuery), 'kept');
    await handle.signal(extendRestoreSignal, 10 * 60_000);
    let after = before;
    while (after.keptUntil === before.keptUntil) after = await handle.query(restoreProgressQuery);
    const movedBy = Date.parse(after.keptUntil!) - Date.parse(before.keptUntil!);
    assert.ok(movedBy >= 10 * 60_000 - 5_000, `extend moved the deadline by ${movedBy} ms`);
    await handle.signal(releaseRestoreSignal);
    await handle.result();
    assert.equal(calls.count('releaseRestore'), 1);
    assert.equal(calls.count('releaseHolds'), 1);
  });

  test('a restore cancelled while applying tears its instance down on its host, releases its holds and records the failure', async () => {
    const { handle, calls } = await restore('cancelled', {}, 'applyToTarget');
    await phaseReached(() => handle.query(restoreProgressQuery), 'applying');
    while (calls.count('applyToTarget') === 0) await new Promise((r) => setTimeout(r, 100));
    await handle.cancel();
    const err = await handle.result().then(
      () => assert.fail('the restore should end cancelled'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure);
    assert.equal(calls.count('releaseRestore'), 1, 'the instance is torn down');
    assert.equal(calls.count('releaseHolds'), 1, 'the retention holds are released');
    const outcome = calls.inputOf<RestoreOutcome>('recordRestoreOutcome');
    assert.deepEqual([outcome?.status, outcome?.failure], ['failed', 'cancelled before it finished']);
    assert.equal(calls.count('verifyRestore'), 0);
  });
});
