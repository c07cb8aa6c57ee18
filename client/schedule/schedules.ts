import { Client, ScheduleAlreadyRunning, ScheduleOptions, ScheduleOverlapPolicy } from '@temporalio/client';
import { EngineName } from '../../domain/backup';
import { InvalidInputError } from '../../domain/errors';
import { baseBackupWorkflow, binlogArchiveWorkflow, expireWorkflow, restoreVerificationWorkflow } from '../../workflows';
import { CENTRAL_TASK_QUEUE } from '../../workers/task-queues';

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
  return `${kind}-${tenantId}-${clusterId}`;
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

/** Creates the schedule, or updates it in place when it exists: never a duplicate. */
export async function upsertSchedule(client: Client, r: ScheduleRequest): Promise<'created' | 'updated'> {
  const options = scheduleOptions(r);
  try {
    await client.schedule.create(options);
    return 'created';
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
