import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { StreamProgress } from '../../activities/archive/binlog-mirror';
import { listBackups } from '../../adapters/catalog/backups';
import type { Catalog } from '../../adapters/catalog/catalog';
import { loadRecoverability } from '../../activities/archive/recoverable';
import type { LastArchivePass } from '../../adapters/catalog/archive-passes';
import { listRestores } from '../../adapters/catalog/restores';
import { newestSegment, type SegmentRecord } from '../../adapters/catalog/segments';
import { microsOf } from '../../domain/archive/recoverable';
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
    /** Where the archive ends and how far behind the server it was stored; null while it holds nothing. */
    end: ArchiveEnd | null;
  };
  lastRestore: { restoreId: string; status: string; target: string; detail: string } | null;
  running: RunningWorkflow[];
}

/** The newest binlog bytes the archive holds, and how they trail the server. */
export interface ArchiveEnd {
  serverKey: string;
  file: string;
  endOffset: number;
  storedAt: string;
  /**
   * From the commit of the oldest transaction of the newest piece (or file) until it was stored:
   * the stream's lag as `pitr_archive_lag_seconds` says it. On MariaDB commits are stamped in
   * whole seconds, so it may read up to a second more. Null for one without transactions.
   */
  lagSeconds: number | null;
  /** Bytes of the same file a running stream had received past the end, at its last heartbeat; null when none runs. */
  receivedPast: number | null;
}

type PendingActivity = temporal.api.workflow.v1.IPendingActivityInfo;

const iso = (t: { seconds?: unknown; nanos?: number | null } | null | undefined): string | undefined =>
  t?.seconds === undefined || t.seconds === null
    ? undefined
    : new Date(Number(t.seconds) * 1000 + Math.floor((t.nanos ?? 0) / 1e6)).toISOString();

/** A binlog stream's progress from its last heartbeat: the newest binlog its mirror holds. */
function streamProgressOf(activity: PendingActivity): Partial<StreamProgress> | null {
  if (activity.activityType?.name !== 'followBinlogStream') return null;
  const [payload] = activity.heartbeatDetails?.payloads ?? [];
  return payload ? (defaultPayloadConverter.fromPayload(payload) as Partial<StreamProgress> | null) : null;
}

function progressOf(activity: PendingActivity): { progress?: string } {
  const details = streamProgressOf(activity);
  return details?.file === undefined
    ? {}
    : { progress: `received through ${details.file} (${details.bytes} bytes) of server ${details.serverKey}` };
}

function archiveEndOf(newest: SegmentRecord | undefined, received: Partial<StreamProgress> | undefined): ArchiveEnd | null {
  if (newest === undefined) return null;
  const endOffset = newest.startOffset + newest.sizeBytes;
  const sameFile = received?.file === newest.file && received.serverKey === newest.server.key && received.bytes !== undefined;
  return {
    serverKey: newest.server.key,
    file: newest.file,
    endOffset,
    storedAt: newest.archivedAt,
    lagSeconds:
      newest.firstCommitAt === null ? null : Math.max(0, (microsOf(newest.archivedAt) - microsOf(newest.firstCommitAt)) / 1_000_000),
    receivedPast: sameFile ? Math.max(0, received.bytes! - endOffset) : null,
  };
}

/** One screen an SRE reads first: last backup, archive RPO, gaps and last pass, last restore, and what runs or is stuck. */
export async function clusterStatus(catalog: Catalog, client: Client, tenantId: string, clusterId: string): Promise<ClusterStatus> {
  const [backups, recoverability, restores, newest] = await Promise.all([
    listBackups(catalog, tenantId, clusterId),
    loadRecoverability(catalog, tenantId, clusterId),
    listRestores(catalog, tenantId, clusterId),
    newestSegment(catalog, tenantId, clusterId),
  ]);
  const running: RunningWorkflow[] = [];
  let received: Partial<StreamProgress> | undefined;
  const query = `TenantId="${tenantId}" AND ClusterId="${clusterId}" AND ExecutionStatus="Running"`;
  for await (const w of client.workflow.list({ query })) {
    const handle = client.workflow.getHandle(w.workflowId, w.runId);
    const described = await handle.describe();
    const unpolled = described.typedSearchAttributes.get(NO_AGENT_POLLING);
    // A restore says its own phase, host and what it waits for; a run that ends meanwhile answers nothing.
    const restore = w.type === 'pitrRestoreWorkflow' ? await handle.query(restoreProgressQuery).catch(() => undefined) : undefined;
    const pending = (described.raw.pendingActivities ?? []).filter((a) => a.activityType?.name !== WATCH_AGENT_POLLERS);
    received ??= pending.map(streamProgressOf).find((p) => p?.file !== undefined) ?? undefined;
    running.push({
      workflowId: w.workflowId,
      type: w.type,
      phase: restore?.phase ?? (described.searchAttributes.BackupPhase as string[] | undefined)?.[0],
      startedAt: w.startTime.toISOString(),
      pending: pending.map((a) => ({
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
      end: archiveEndOf(newest, received),
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
  if (s.archive.end) lines.push(`  archive end   ${archiveEndText(s.archive.end)}`);
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

function archiveEndText(e: ArchiveEnd): string {
  const lag = e.lagSeconds === null ? '' : `; stored ${e.lagSeconds.toFixed(2)} s after its oldest transaction committed (lag)`;
  const received = e.receivedPast === null ? '' : `; the stream has received ${e.receivedPast} bytes past it`;
  return `${e.file} byte ${e.endOffset} of server ${e.serverKey}, stored ${e.storedAt}${lag}${received}`;
}

function lastPassText(p: LastArchivePass | null): string {
  if (p === null) return 'none recorded';
  if (p.error === null) return `ok ${p.finishedAt} (${p.workflowId})`;
  return `FAILED ${p.finishedAt} (${p.workflowId}; failing since ${p.failingSince}) in ${failureText(p.error)}`;
}
