import { CancellationScope, patched, proxyActivities, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { AgentArchiveActivities, ArchivePassActivities, CentralArchiveActivities } from '../activities/archive/types';
import type { CentralBackupActivities } from '../activities/backup/types';
import { unarchivedSinceSeconds } from '../domain/archive/rpo';
import type { ArchiveRef, BinlogArchiveResult } from '../domain/archive/types';
import { agentTaskQueue, legacyAgentTaskQueue } from '../domain/task-queues';
import { AgentQueueWatch } from './agent-queue-watch';
import { archivePassError } from './archive-pass-error';
import { PATCHES } from './patches';

/** More closed binlogs than this wait for the next pass: a run's history stays small. */
export const MAX_SEGMENTS_PER_PASS = 50;

const retry = (maximumAttempts: number) => ({
  initialInterval: '2 seconds',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  maximumAttempts,
});

/**
 * One archive pass of a cluster's binlogs: survey the server (rotating the active binlog when
 * the RPO target is due), then, in binlog order, read each closed file not yet archived, place
 * it in the stream by GTID continuity, upload it with its per-transaction index and register it.
 *
 * It is run by a Temporal Schedule every minute (overlap policy: skip) rather than as one
 * long-running workflow that continues-as-new: each pass is a short history of its own, a
 * pass that stops on a gap fails visibly without stopping the next minute's pass, an agent
 * that is down costs passes rather than one ever-waiting run, and pausing a cluster's archive
 * is pausing its schedule. Passes of one cluster are serialised in the catalog as well.
 *
 * Each pass records its outcome in the catalog, ok with the oldest commit it left unarchived
 * (what the RPO counts from) or failed with its error, for `pitr status`, the archive-failed
 * alert and the metrics: a pass failing every minute is never silent.
 */
export async function binlogArchiveWorkflow(input: ArchiveRef): Promise<BinlogArchiveResult> {
  upsertSearchAttributes({ TenantId: [input.tenantId], ClusterId: [input.clusterId] });
  if (!patched(PATCHES.recordArchivePass)) return archivePass(input);
  const { workflowId, runId, startTime } = workflowInfo();
  const pass = { ...input, workflowId, runId, startedAt: startTime.toISOString() };
  const recorder = proxyActivities<ArchivePassActivities>({ startToCloseTimeout: '1 minute', retry: retry(10) });
  try {
    return await archivePass(input, (seen) => recorder.recordArchivePass({ ...pass, outcome: 'ok', ...seen }));
  } catch (err) {
    await CancellationScope.nonCancellable(() => recorder.recordArchivePass({ ...pass, outcome: 'failed', error: archivePassError(err) }));
    throw err;
  }
}

/** What an ok pass saw of the server, for the RPO. */
type PassSeen = { observedAt: string; unarchivedSinceSeconds?: number | null };

async function archivePass(input: ArchiveRef, recordOk?: (seen: PassSeen) => Promise<void>): Promise<BinlogArchiveResult> {
  const { tenantId, clusterId } = input;
  const central = proxyActivities<CentralArchiveActivities & Pick<CentralBackupActivities, 'loadCluster'>>({
    startToCloseTimeout: '1 minute',
    retry: retry(10),
  });
  const agentQueue = patched(PATCHES.agentQueuePerTenant) ? agentTaskQueue(tenantId, clusterId) : legacyAgentTaskQueue(clusterId);
  const watch = new AgentQueueWatch(tenantId, clusterId);
  watch.watch(agentQueue);
  // They heartbeat: a dead agent is noticed in seconds, not at the end of the 10 minutes.
  const agent = watch.agents(
    proxyActivities<AgentArchiveActivities>({
      taskQueue: agentQueue,
      startToCloseTimeout: '10 minutes',
      heartbeatTimeout: '30 seconds',
      retry: retry(5),
    }),
  );
  const uploader = watch.agents(
    proxyActivities<AgentArchiveActivities>({
      taskQueue: agentQueue,
      startToCloseTimeout: '2 hours',
      heartbeatTimeout: '10 seconds',
      retry: retry(10),
    }),
  );

  const cluster = await central.loadCluster(input);
  // Workflow time before the survey: nothing committed after it is claimed archived.
  const observedAt = new Date().toISOString();
  const newestArchived = patched(PATCHES.surveyNewFilesOnly) ? await central.newestArchivedFile(input) : undefined;
  // Only a streamed cluster's calls say where to read: recorded runs replay with the inputs they had.
  const stream = cluster.archiveSource === 'stream' ? { source: 'stream' as const } : {};
  if (stream.source && patched(PATCHES.streamSealsPieces)) {
    // The stream archives what it receives as it arrives; the pass checks that it is receiving.
    const survey = await agent.surveyBinlogs({ ...input, rpoSeconds: cluster.rpoSeconds, newestArchived, ...stream, piecesSealed: true });
    watch.details(`the binlogs of server ${survey.server.key} are archived by the cluster's stream; active ${survey.active}`);
    await recordOk?.({ observedAt });
    return { server: survey.server, rotated: undefined, archived: [], skipped: [], deferred: 0 };
  }
  const survey = await agent.surveyBinlogs({ ...input, rpoSeconds: cluster.rpoSeconds, newestArchived, ...stream });
  const active = survey.activePreviousGtids === undefined ? undefined : { file: survey.active, previousGtids: survey.activePreviousGtids };
  const { pending } = await central.planArchive({ ...input, server: survey.server, closed: survey.closed, active });
  const result: BinlogArchiveResult = {
    server: survey.server,
    rotated: survey.rotated,
    archived: [],
    skipped: [],
    deferred: Math.max(0, pending.length - MAX_SEGMENTS_PER_PASS),
  };
  for (const file of pending.slice(0, MAX_SEGMENTS_PER_PASS)) {
    watch.details(`archiving **${file}** of server ${survey.server.key} (${result.archived.length} done this pass)`);
    const inspected = await agent.inspectSegment({ ...input, file, ...stream, ...(stream.source ? { server: survey.server } : {}) });
    const check = await central.checkSegment({ ...input, server: survey.server, inspected });
    if (check.action === 'skip') {
      result.skipped.push({ file, reason: check.reason });
      continue;
    }
    const uploaded = await uploader.uploadSegment({ ...input, server: survey.server, file, ...stream });
    await central.registerSegment({ ...input, server: survey.server, inspected, uploaded });
    result.archived.push(file);
  }
  watch.details(`archived ${result.archived.length} binlogs of server ${survey.server.key}; active ${survey.active}`);
  const seen = unarchivedSinceSeconds(survey, pending.slice(MAX_SEGMENTS_PER_PASS));
  await recordOk?.(seen === undefined ? { observedAt } : { observedAt, unarchivedSinceSeconds: seen });
  return result;
}
