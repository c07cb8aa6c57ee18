import {
  type Client,
  ScheduleAlreadyRunning,
  type ScheduleHandle,
  ScheduleNotFoundError,
  type ScheduleOptions,
  ScheduleOverlapPolicy,
} from '@temporalio/client';
import { clusterScheduleId, type EngineName } from '../../domain/backup';
import { InvalidInputError } from '../../domain/errors';
import { baseBackupWorkflow, binlogArchiveWorkflow, expireWorkflow, restoreVerificationWorkflow } from '../../workflows';
import { CENTRAL_TASK_QUEUE } from '../../domain/task-queues';

export const SCHEDULE_KINDS = ['backup', 'archive', 'restore-verify', 'expire'] as const;
export type ScheduleKind = (typeof SCHEDULE_KINDS)[number];

export interface ScheduleRequest {
  kind: ScheduleKind;
  tenantId: string;
  clusterId: string;
  /** Standard five-field cron, e.g. `0 2 * * *` for nightly at 02:00. */
  cron: string;
  timezone: string;
  engine?: EngineName;
  /** Missed runs within this window run when the server is back (e.g. after an outage). */
  catchupWindow: string;
}

export function scheduleId(kind: ScheduleKind, tenantId: string, clusterId: string): string {
  return clusterScheduleId(kind, tenantId, clusterId);
}

/** The id schedules were created under before: ambiguous (`backup-a-b-c` is tenant a-b or tenant a), so only its memo tells whose it is. */
function legacyScheduleId(kind: ScheduleKind, tenantId: string, clusterId: string): string {
  return `${kind}-${tenantId}-${clusterId}`;
}

async function described(handle: ScheduleHandle) {
  try {
    return await handle.describe();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return undefined;
    throw err;
  }
}

/**
 * The cluster's schedule of `kind`: under its id, else one created under the earlier id scheme
 * whose memo names this kind, tenant and cluster (never another tenant's of the same id).
 * The handle of its id when there is neither, so acting on it reports the schedule missing.
 */
export async function findSchedule(client: Client, kind: ScheduleKind, tenantId: string, clusterId: string): Promise<ScheduleHandle> {
  const current = client.schedule.getHandle(scheduleId(kind, tenantId, clusterId));
  if (await described(current)) return current;
  const legacy = client.schedule.getHandle(legacyScheduleId(kind, tenantId, clusterId));
  const memo = (await described(legacy))?.memo;
  return memo?.kind === kind && memo.tenantId === tenantId && memo.clusterId === clusterId ? legacy : current;
}

/**
 * What the schedule starts: nightly base backups, an archive pass (every minute: `* * * * *`),
 * a restore to a random recent instant that proves the cluster recoverable, or the cluster's
 * retention (expiry also runs after each verified backup; the schedule catches up the age rule).
 * Temporal appends each run's scheduled time to the workflow id, so a backup's id is derived
 * from its cluster and scheduled time, and a re-run of the same instant cannot start a second one.
 */
function scheduleOptions(r: ScheduleRequest): ScheduleOptions {
  if (!/^(\S+\s+){4}\S+$/.test(r.cron.trim())) {
    throw new InvalidInputError(`"${r.cron}" is not a five-field cron expression`, { hint: 'e.g. "0 2 * * *" for every night at 02:00' });
  }
  const id = scheduleId(r.kind, r.tenantId, r.clusterId);
  const cluster = { tenantId: r.tenantId, clusterId: r.clusterId };
  const action =
    r.kind === 'backup'
      ? { workflowType: baseBackupWorkflow, args: [{ ...cluster, ...(r.engine ? { engine: r.engine } : {}) }] as const }
      : r.kind === 'archive'
        ? { workflowType: binlogArchiveWorkflow, args: [cluster] as const }
        : r.kind === 'expire'
          ? { workflowType: expireWorkflow, args: [cluster] as const }
          : { workflowType: restoreVerificationWorkflow, args: [cluster] as const };
  return {
    scheduleId: id,
    spec: { cronExpressions: [r.cron.trim()], timezone: r.timezone },
    action: { type: 'startWorkflow', taskQueue: CENTRAL_TASK_QUEUE, workflowId: id, ...action },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: r.catchupWindow },
    memo: { tenantId: r.tenantId, clusterId: r.clusterId, kind: r.kind },
    searchAttributes: { TenantId: [r.tenantId], ClusterId: [r.clusterId] },
  };
}

/**
 * Creates the schedule, or updates it in place when it exists: never a duplicate. One created
 * under the earlier id scheme is replaced by one under its own id, paused if it was.
 */
export async function upsertSchedule(client: Client, r: ScheduleRequest): Promise<'created' | 'updated'> {
  const options = scheduleOptions(r);
  const existing = await findSchedule(client, r.kind, r.tenantId, r.clusterId);
  const legacy = existing.scheduleId === options.scheduleId ? undefined : await described(existing);
  try {
    await client.schedule.create(
      legacy ? { ...options, state: { paused: legacy.state.paused, ...(legacy.state.note ? { note: legacy.state.note } : {}) } } : options,
    );
    if (!legacy) return 'created';
    await existing.delete();
    return 'updated';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(options.scheduleId).update((previous) => ({
      ...previous,
      spec: options.spec,
      action: options.action,
      policies: { ...previous.policies, ...options.policies },
    }));
    return 'updated';
  }
}
