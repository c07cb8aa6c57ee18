/** What the Temporal server reports of a task queue's activity pollers. */
export interface QueuePollers {
  /** A worker polled the queue recently enough to be alive (`LIVE_POLL_MS`). */
  polled: boolean;
  /** The latest poll the server still lists (it forgets a poller five minutes after its last poll). */
  lastPollAt: string | undefined;
}

/** Run by the central worker process on its watch queue: it asks the Temporal server what a workflow cannot. */
export interface AgentQueueActivities {
  /**
   * Returns once whether an agent polls `taskQueue` differs from `polled` (at once if it already
   * does), or after an hour without a change; checks every five seconds, heartbeating.
   */
  watchAgentPollers(input: { taskQueue: string; polled: boolean }): Promise<QueuePollers>;
}

/** The watcher's activity type: it is no phase of the run, so progress and status leave it out of what is pending. */
export const WATCH_AGENT_POLLERS: keyof AgentQueueActivities = 'watchAgentPollers';
