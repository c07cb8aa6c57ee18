import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { WATCH_AGENT_POLLERS } from '../../activities/agent-queue/types';
import type { BackupProgress, ExecuteResult, PrepareResult } from '../../domain/backup';
import { backupProgressQuery } from '../../workflows';

type PendingActivity = temporal.api.workflow.v1.IPendingActivityInfo;
type Payload = temporal.api.common.v1.IPayload;

/** What `pitr backup --wait` shows: the workflow's own progress, completed by the running activity's. */
export interface LiveProgress {
  phase: string;
  bytesDone: number;
  /** The size the running phase works towards, when the earlier phases tell it. */
  expectedBytes: number | undefined;
  attempt: number;
  lastError: string | undefined;
  /** What the run waits for that no one provides: an agent queue nobody polls. */
  waiting: string | undefined;
}

/** Sizes the finished phases reported: the data to back up, and what the engine wrote. */
export interface ExpectedSizes {
  dataBytes?: number;
  executedBytes?: number;
}

function decode<T>(payload: Payload | null | undefined): T | undefined {
  if (!payload) return undefined;
  try {
    return defaultPayloadConverter.fromPayload<T>(payload as Parameters<typeof defaultPayloadConverter.fromPayload>[0]);
  } catch {
    return undefined;
  }
}

/** Bytes a heartbeat reports: the engine's `bytesDone`, or the bytes an upload has read. */
function heartbeatBytes(activity: PendingActivity | undefined): number | undefined {
  const details = decode<{ bytesDone?: unknown; inputBytes?: unknown }>(activity?.heartbeatDetails?.payloads?.[0]);
  const bytes = details?.bytesDone ?? details?.inputBytes;
  return typeof bytes === 'number' ? bytes : undefined;
}

/**
 * Merges the workflow's query (which learns bytes only when a phase ends and errors only when
 * the workflow fails) with its pending activity: the bytes it heartbeats and the failure its
 * retries are on.
 */
export function mergeProgress(query: BackupProgress, pending: readonly PendingActivity[], sizes: ExpectedSizes): LiveProgress {
  const running = pending.find((a) => a.activityType?.name !== WATCH_AGENT_POLLERS);
  const expectedBytes = query.phase === 'execute' ? sizes.dataBytes : query.phase === 'upload' ? sizes.executedBytes : undefined;
  return {
    phase: query.phase,
    bytesDone: heartbeatBytes(running) ?? query.bytesDone,
    expectedBytes,
    attempt: running?.attempt ?? 1,
    lastError: query.lastError ?? running?.lastFailure?.message ?? undefined,
    waiting: query.noAgentPolling?.message,
  };
}

const mb = (bytes: number): string => (bytes / 1e6).toFixed(1);

/** One line: the phase, a bar against the expected size when known (an estimate, so capped), attempts, the last error, and what it waits for. */
export function renderProgress(p: LiveProgress, width = 24): string {
  let amount: string;
  if (p.expectedBytes && p.expectedBytes > 0) {
    const fraction = Math.min(1, p.bytesDone / p.expectedBytes);
    const filled = Math.round(fraction * width);
    amount = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}% ${mb(p.bytesDone)}/${mb(p.expectedBytes)} MB`;
  } else {
    amount = `${mb(p.bytesDone)} MB`;
  }
  const retry = p.attempt > 1 ? ` attempt ${p.attempt}` : '';
  const error = p.lastError ? ` (last error: ${p.lastError})` : '';
  const waiting = p.waiting ? ` — waiting: ${p.waiting}` : '';
  return `${p.phase.padEnd(8)} ${amount}${retry}${error}${waiting}`;
}

/** The results of the phases that finished, read from the workflow's history. */
export async function expectedSizes(handle: WorkflowHandle): Promise<ExpectedSizes> {
  const history = await handle.fetchHistory();
  const typeOf = new Map<string, string>();
  const sizes: ExpectedSizes = {};
  for (const event of history.events ?? []) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) typeOf.set(String(event.eventId), scheduled.activityType?.name ?? '');
    const completed = event.activityTaskCompletedEventAttributes;
    if (!completed) continue;
    const type = typeOf.get(String(completed.scheduledEventId));
    const result = completed.result?.payloads?.[0];
    if (type === 'prepareBackup') sizes.dataBytes = decode<PrepareResult>(result)?.dataBytes;
    if (type === 'executeBackup') sizes.executedBytes = decode<ExecuteResult>(result)?.bytes;
  }
  return sizes;
}

/** The live progress of a running backup, or undefined while the workflow cannot answer yet. */
export async function readLiveProgress(handle: WorkflowHandle, sizes: ExpectedSizes): Promise<LiveProgress | undefined> {
  const [query, described] = await Promise.all([
    handle.query(backupProgressQuery).catch(() => undefined),
    handle.describe().catch(() => undefined),
  ]);
  if (!query) return undefined;
  return mergeProgress(query, described?.raw.pendingActivities ?? [], sizes);
}
