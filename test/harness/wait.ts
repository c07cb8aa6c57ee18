import type { WorkflowHandle } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { setTimeout as sleep } from 'node:timers/promises';

export type PendingActivity = temporal.api.workflow.v1.IPendingActivityInfo;

/** Polls `probe` until it holds; fails naming `what` after `timeoutMs`. */
export async function waitFor(what: string, probe: () => Promise<boolean> | boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
    await sleep(100);
  }
}

/**
 * Waits until one of the workflow's pending activities matches. Fails at once if the workflow
 * has closed meanwhile: the moment the test wanted to act in has passed and will not come back.
 */
export async function waitForActivity(
  handle: WorkflowHandle,
  what: string,
  matches: (activity: PendingActivity) => boolean,
  timeoutMs = 60_000,
): Promise<PendingActivity> {
  let found: PendingActivity | undefined;
  await waitFor(
    what,
    async () => {
      const description = await handle.describe();
      if (description.status.name !== 'RUNNING') {
        throw new Error(`the workflow ended (${description.status.name}) before ${what}`);
      }
      found = (description.raw.pendingActivities ?? []).find(matches);
      return found !== undefined;
    },
    timeoutMs,
  );
  return found!;
}
