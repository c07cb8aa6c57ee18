import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Context } from '@temporalio/activity';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import type { AgentQueueActivities } from '../../../activities/agent-queue/types';
import { BinlogsResetError } from '../../../activities/archive/errors';
import type { AgentArchiveActivities, CentralArchiveActivities } from '../../../activities/archive/types';
import type { Cluster } from '../../../adapters/catalog/clusters';
import type { ArchiveRef } from '../../../domain/archive/types';
import { agentTaskQueue, CENTRAL_TASK_QUEUE } from '../../../domain/task-queues';
import { binlogStreamWorkflow } from '../../../workflows';
import { Calls, workflowTestBed } from './environment';

const TENANT = 'acme';
const bed = workflowTestBed();
const RESET = 'server s-1 lists binlog.000001, all numbered before binlog.000004, the newest binlog the stream received of it';

/** Which part of the stream finds the server reset, per cluster. */
const scripts = new Map<string, { resetFoundBy: 'receiver' | 'sealer'; calls: Calls }>();
const callsOf = (ref: ArchiveRef) => scripts.get(ref.clusterId)!.calls;
let centralStarted: Promise<void> | undefined;

async function untilCancelled(): Promise<never> {
  const ctx = Context.current();
  for (;;) {
    ctx.heartbeat();
    await ctx.sleep(200);
  }
}

const centralActivities: Pick<
  CentralArchiveActivities,
  'newestArchivedFile' | 'newestSegmentEnd' | 'registerStreamPiece' | 'alertStreamStopped'
> &
  AgentQueueActivities & { loadCluster(ref: ArchiveRef): Promise<Cluster> } = {
  loadCluster: async ({ tenantId, clusterId }) => ({ tenantId, clusterId, flavor: 'mysql', archiveSource: 'stream' }) as unknown as Cluster,
  newestArchivedFile: async () => null,
  newestSegmentEnd: async () => null,
  registerStreamPiece: async () => ({ inserted: true, gap: null }),
  alertStreamStopped: async (input) => callsOf(input).record('alertStreamStopped', input),
  // An agent polls: the watch has nothing to report until the run ends.
  watchAgentPollers: untilCancelled,
};

const agentActivities: Pick<AgentArchiveActivities, 'followBinlogStream' | 'sealStreamPiece'> = {
  followBinlogStream: async (input) => {
    const { resetFoundBy, calls } = scripts.get(input.clusterId)!;
    calls.record('followBinlogStream', input);
    if (resetFoundBy === 'receiver') throw new BinlogsResetError(RESET);
    try {
      return await untilCancelled();
    } finally {
      calls.record('followBinlogStream stopped', input);
    }
  },
  sealStreamPiece: async (input) => {
    const { resetFoundBy, calls } = scripts.get(input.clusterId)!;
    calls.record('sealStreamPiece', input);
    if (resetFoundBy === 'sealer') throw new BinlogsResetError('the stream received other bytes for binlog.000001');
    await Context.current().sleep(100);
    return null;
  },
};

async function stream(clusterId: string, resetFoundBy: 'receiver' | 'sealer') {
  const calls = new Calls();
  scripts.set(clusterId, { resetFoundBy, calls });
  const { env, worker } = bed();
  centralStarted ??= worker(CENTRAL_TASK_QUEUE, centralActivities, { workflows: true });
  await Promise.all([centralStarted, worker(agentTaskQueue(TENANT, clusterId), agentActivities)]);
  const handle = await env.client.workflow.start(binlogStreamWorkflow, {
    taskQueue: CENTRAL_TASK_QUEUE,
    workflowId: `stream-${clusterId}`,
    args: [{ tenantId: TENANT, clusterId }],
  });
  const failure = await handle.result().then(
    () => assert.fail('the stream should stop'),
    (err: unknown) => err,
  );
  assert.ok(failure instanceof WorkflowFailedError && failure.cause instanceof ActivityFailure, String(failure));
  assert.ok(failure.cause.cause instanceof ApplicationFailure);
  return { calls, type: failure.cause.cause.type, activity: failure.cause.activityType };
}

describe('BinlogStreamWorkflow against stubbed activities', { concurrency: true }, () => {
  test('a receiver that finds its server reset stops the stream at once, with the stream-stopped alert naming why and what to do', async () => {
    const { calls, type, activity } = await stream('reset-receiver', 'receiver');
    assert.deepEqual([type, activity], ['BinlogsResetError', 'followBinlogStream']);
    assert.equal(calls.count('followBinlogStream'), 1, 'a terminal failure is not retried');
    const [alert] = calls.log.filter((c) => c.name === 'alertStreamStopped').map((c) => c.input as { reason: string });
    assert.match(alert!.reason, /^followBinlogStream: BinlogsResetError: server s-1 lists binlog\.000001, .*RESET BINARY LOGS AND GTIDS/);
  });

  test('a sealer that finds the server reset stops the stream and its receiver, with the alert', async () => {
    const { calls, type, activity } = await stream('reset-sealer', 'sealer');
    assert.deepEqual([type, activity], ['BinlogsResetError', 'sealStreamPiece']);
    assert.equal(calls.count('sealStreamPiece'), 1, 'the sealer does not try again after 30 s as it does for a refused piece');
    assert.equal(calls.count('alertStreamStopped'), 1);
    for (let i = 0; i < 50 && calls.count('followBinlogStream stopped') === 0; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(calls.count('followBinlogStream stopped'), 1, 'the receiver is cancelled with the stream');
  });
});
