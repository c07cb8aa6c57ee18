import { ActivityFailure, ApplicationFailure, isCancellation, proxyActivities, sleep, TimeoutFailure } from '@temporalio/workflow';
import type { HostRestoreActivities, RestoreHostBinding, RestoreSiteRef } from '../activities/restore/types';

/** A restore starts over on another host at most this many times in all. */
export const HOST_ATTEMPTS = 3;

// A live host starts its own queue's tasks at once (nothing limits them): one that does not start them within
// half a minute is down; its restore starts over elsewhere, and its teardown fails loudly.
const HOST_SCHEDULE_TO_START = '30 seconds';

/** The steps of a restore on the host that claimed it; a failed step is not retried there, the restore starts over. */
export function boundSteps(binding: RestoreHostBinding): HostRestoreActivities {
  return proxyActivities<HostRestoreActivities>({
    taskQueue: binding.taskQueue,
    scheduleToStartTimeout: HOST_SCHEDULE_TO_START,
    startToCloseTimeout: '12 hours',
    // Long steps heartbeat every two seconds: a dead host is noticed by its heartbeat, not its hours-long budget.
    heartbeatTimeout: '30 seconds',
    retry: { maximumAttempts: 1 },
  });
}

/** Teardown on the host that holds the instance: retried there, never sent anywhere else. */
export function boundTeardown(binding: RestoreHostBinding): HostRestoreActivities {
  return proxyActivities<HostRestoreActivities>({
    taskQueue: binding.taskQueue,
    scheduleToStartTimeout: HOST_SCHEDULE_TO_START,
    startToCloseTimeout: '5 minutes',
    retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
  });
}

/** Why a claim did not take: said in the workflow's details while it waits. */
function claimWait(err: unknown, queue: string): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof TimeoutFailure && cause.timeoutType === 'SCHEDULE_TO_START') {
    return `no restore host polling ${queue} took the restore within 30s`;
  }
  if (cause instanceof ApplicationFailure && cause.type === 'RestoreHostFullError') return `restore hosts are full (${cause.message})`;
  return `claiming a restore host on ${queue} failed: ${cause instanceof Error ? cause.message : String(cause)}`;
}

/**
 * Claims a restore host on the shared queue of the backup's release: the host that takes the
 * task answers with its own queue. Waits, saying why through `waiting`, while no host takes it.
 */
export async function claimHost(
  queue: string,
  site: RestoreSiteRef,
  needBytes: number,
  waiting: (reason: string | null) => void,
): Promise<RestoreHostBinding> {
  const { claimRestoreHost } = proxyActivities<HostRestoreActivities>({
    taskQueue: queue,
    scheduleToStartTimeout: '30 seconds',
    startToCloseTimeout: '1 minute',
    // A full host answers at once: the next attempt, from here, may reach another host.
    retry: { maximumAttempts: 1 },
  });
  for (;;) {
    try {
      const binding = await claimRestoreHost({ ...site, needBytes });
      waiting(null);
      return binding;
    } catch (err) {
      if (isCancellation(err)) throw err;
      waiting(claimWait(err, queue));
      await sleep('3 seconds');
    }
  }
}

/** A failure another host may not repeat: the host died or timed out, or failed in a way that is not the restore's own. */
export function startsOver(err: unknown): boolean {
  if (isCancellation(err)) return false;
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return !(cause instanceof ApplicationFailure && cause.nonRetryable === true);
}
