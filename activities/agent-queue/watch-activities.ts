import { Context } from '@temporalio/activity';
import { describeQueuePollers } from './pollers';
import type { AgentQueueActivities } from './types';

const CHECK_MS = 5000;
/** Bounds one attempt; the workflow calls again with what it knows. */
const SPAN_MS = 60 * 60_000;

export function createAgentQueueActivities(): AgentQueueActivities {
  return {
    async watchAgentPollers({ taskQueue, polled }) {
      const context = Context.current();
      const until = Date.now() + SPAN_MS;
      for (;;) {
        const seen = await describeQueuePollers(context.client, taskQueue);
        if (seen.polled !== polled || Date.now() >= until) return seen;
        context.heartbeat(seen);
        await context.sleep(CHECK_MS);
      }
    },
  };
}
