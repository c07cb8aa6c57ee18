import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { QueuePollers } from './types';

type PollerInfo = temporal.api.taskqueue.v1.IPollerInfo;

/**
 * A live worker's long poll ends and is sent again at least once a minute, and the server stamps
 * each poll's time; it keeps listing a stopped worker for five minutes. A poller quiet for longer
 * than this is gone; the second minute is margin for clock skew between the server and this host.
 */
export const LIVE_POLL_MS = 2 * 60_000;

export function queuePollers(pollers: readonly PollerInfo[], now: Date): QueuePollers {
  const times = pollers.flatMap((p) =>
    p.lastAccessTime?.seconds == null ? [] : [Number(p.lastAccessTime.seconds) * 1000 + Math.floor((p.lastAccessTime.nanos ?? 0) / 1e6)],
  );
  if (times.length === 0) return { polled: false, lastPollAt: undefined };
  const last = Math.max(...times);
  return { polled: now.getTime() - last <= LIVE_POLL_MS, lastPollAt: new Date(last).toISOString() };
}

/** The activity pollers of `taskQueue`, as the Temporal server lists them. */
export async function describeQueuePollers(client: Client, taskQueue: string): Promise<QueuePollers> {
  const { pollers } = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
  });
  return queuePollers(pollers ?? [], new Date());
}
