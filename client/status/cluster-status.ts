import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { StreamProgress } from '../../activities/archive/binlog-mirror';
import { listBackups } from '../../adapters/catalog/backups';
import type { Catalog } from '../../adapters/catalog/catalog';
import { loadRecoverability } from '../../activities/archive/recoverable';
import type { LastArchivePass } from '../../adapters/catalog/archive-passes';
import { listRestores } from '../../adapters/catalog/restores';
import { failureText } from '../../domain/archive/pass-failure';
import { WATCH_AGENT_POLLERS } from '../../activities/agent-queue/types';
import { type NoAgentPolling, noAgentPolling } from '../../domain/agent-queue';
import { NO_AGENT_POLLING } from '../../workflows/agent-queue-watch';
import { restoreProgressQuery } from '../../workflows';

export interface RunningWorkflow {
  workflowId: string;
  type: string;
  phase: string | undefined;
  startedAt: string;
  /** Activities retrying or waiting: what a stuck workflow is stuck on. */
  pending: Array<{
    activity: string;
    attempt: number;
    lastFailure: string | undefined;
    lastHeartbeat: string | undefined;
    /** What the activity last reported of its progress (a binlog stream: the newest file it received). */
    progress?: string;
  }>;
  /** The agent queue the workflow waits on while no agent polls it. */
  noAgentPolling: NoAgentPolling | null;
  /** A restore's host, once one holds it. */
  host: string | null;
  /** Why a restore waits (every restore host able to run it is full). */
  waiting: string | null;
}

export interface ClusterStatus {
  tenantId: string;
  clusterId: string;
  lastBackup: { backupId: string; status: string; finishedAt: string; engine: string; detail: string } | null;
  archive: {
    rpoSeconds: number | null;
    newestArchivedCommit: string | null;
    windows: number;
    gaps: string[];
    /** The last archive pass, ok or failed with its error; null before one was recorded. */
    lastPass: LastArchivePass | null;
  };
  lastRestore: { restoreId: string; status: string; target: string; detail: string } | null;
  running: RunningWorkflow[];
}

type PendingActivity = temporal.api.workflow.v1.IPendingActivityInfo;

const iso = (t: { seconds?: unknown; nanos?: number | null } | null | undefined): string | undefined =>
  t?.seconds === undefined || t.seconds === null
    ? undefined
    : new Date(Number(t.seconds) * 1000 + Math.floor((t.nanos ?? 0) / 1e6)).toISOString();

/** A binlog stream's progress from its last heartbeat: the newest binlog its mirror holds. */
function progressOf(activity: PendingActivity): { progress?: string } {
  if (activity.activityType?.name !== 'followBinlogStream') return {};
  const [payload] = activity.heartbeatDetails?.payloads ?? [];
  const details = payload ? (defaultPayloadConverter.fromPayload(payload) as Partial<StreamProgress> | null) : null;
  return details?.file === undefined
    ? {}
    : { progress: `received through ${details.file} (${details.bytes} bytes) of server ${details.serverKey}` };
}

/** One screen an SRE reads first: last backup, archive RPO, gaps and last pass, last restore, and what runs or is stuck. */
export async function clusterStatus(catalog: Catalog, client: Client, tenantId: string, clusterId: string): Promise<ClusterStatus> {
  const [backups, recoverability, restores] = await Promise.all([
    listBackups(catalog, tenantId, clusterId),
    loadRecoverability(catalog, tenantId, clusterId),
    listRestores(catalog, tenantId, clusterId),
  ]);
  const running: RunningWorkflow[] = [];
  const query = `TenantId="${tenantId}" AND ClusterId="${clusterId}" AND ExecutionStatus="Running"`;
  for await (const w of client.workflow.list({ query })) {
    const handle = client.workflow.getHandle(w.workflowId, w.runId);
    const described = await handle.describe();
    const unpolled = described.typedSearchAttributes.get(NO_AGENT_POLLING);
    // A restore says its own phase, host and what it waits for; a run that ends meanwhile answers nothing.
    const restore = w.type === 'pitrRestoreWorkflow' ? await handle.query(restoreProgressQuery).catch(() => undefined) : undefined;
    running.push({
      workflowId: w.workflowId,
      type: w.type,
      phase: restore?.phase ?? (described.searchAttributes.BackupPhase as string[] | undefined)?.[0],
      startedAt: w.startTime.toISOString(),
      pending: (described.raw.pendingActivities ?? [])
        .filter((a) => a.activityType?.name !== WATCH_AGENT_POLLERS)
        .map((a) => ({
          activity: a.activityType?.name ?? '?',
          attempt: a.attempt ?? 1,
          lastFailure: a.lastFailure?.message ?? undefined,
          lastHeartbeat: iso(a.lastHeartbeatTime),
          ...progressOf(a),
        })),
      noAgentPolling: unpolled ? noAgentPolling(unpolled, tenantId, clusterId) : null,
      host: restore?.host ?? null,
      waiting: restore?.waiting ?? null,
    });
  }
  const backup = backups[0];
  const restore = restores[restores.length - 1];
  return {
    tenantId,
    clusterId,
    lastBackup: backup
      ? {
          backupId: backup.backupId,
          status: backup.status,
          finishedAt: backup.finishedAt,
          engine: backup.engine,
          detail: backup.coordinate?.gtidExecuted ?? backup.failureReason ?? '',
        }
      : null,
    archive: {
      rpoSeconds: recoverability.rpoSeconds,
      newestArchivedCommit: recoverability.newestArchivedCommit,
      windows: recoverability.windows.length,
      gaps: recoverability.gaps.map((g) => g.description),
      lastPass: recoverability.lastPass,
    },
    lastRestore: restore
      ? {
          restoreId: restore.restoreId,
          status: restore.status,
          target: restore.target,
          detail: restore.appliedThrough ?? restore.failure ?? '',
        }
      : null,
    running,
  };
}

export function formatStatus(s: ClusterStatus): string {
  const lines = [`${s.tenantId}/${s.clusterId}`];
  lines.push(
    s.lastBackup
      ? `  last backup   ${s.lastBackup.status} ${s.lastBackup.finishedAt} (${s.lastBackup.engine}) ${s.lastBackup.detail}`
      : '  last backup   none',
  );
  lines.push(
    `  archive RPO   ${s.archive.rpoSeconds === null ? 'nothing archived' : `${s.archive.rpoSeconds.toFixed(1)}s (newest commit ${s.archive.newestArchivedCommit ?? 'none'})`}; ${s.archive.windows} recoverable window(s)`,
  );
  lines.push(`  archive pass  ${lastPassText(s.archive.lastPass)}`);
  for (const gap of s.archive.gaps) lines.push(`  GAP           ${gap}`);
  lines.push(
    s.lastRestore ? `  last restore  ${s.lastRestore.status} to ${s.lastRestore.target}: ${s.lastRestore.detail}` : '  last restore  none',
  );
  for (const w of s.running) {
    lines.push(
      `  running       ${w.type} ${w.workflowId}${w.phase ? ` in ${w.phase}` : ''}${w.host ? ` on restore host ${w.host}` : ''} since ${w.startedAt}`,
    );
    for (const a of w.pending) {
      lines.push(
        `                ${a.activity} attempt ${a.attempt}${a.progress ? `, ${a.progress}` : ''}${a.lastFailure ? `, last error: ${a.lastFailure}` : ''}${a.lastHeartbeat ? `, heartbeat ${a.lastHeartbeat}` : ''}`,
      );
    }
    if (w.noAgentPolling) lines.push(`                waiting: ${w.noAgentPolling.message}`);
    if (w.waiting) lines.push(`                waiting: ${w.waiting}`);
  }
  return lines.join('\n');
}

function lastPassText(p: LastArchivePass | null): string {
  if (p === null) return 'none recorded';
  if (p.error === null) return `ok ${p.finishedAt} (${p.workflowId})`;
  return `FAILED ${p.finishedAt} (${p.workflowId}; failing since ${p.failingSince}) in ${failureText(p.error)}`;
}
