import { Context } from '@temporalio/activity';

const HEARTBEAT_MS = 2000;

/**
 * Runs a step heartbeating every two seconds with the latest details it reported, also while
 * it reports nothing (a server starting, a dump loading, a query waiting on a lock): a crashed
 * or stalled worker is then noticed by the heartbeat timeout, not by the step's whole budget.
 */
export async function heartbeating<T>(step: string, run: (report: (details: object) => void) => Promise<T>): Promise<T> {
  const context = Context.current();
  let details: object = { step };
  context.heartbeat(details);
  const timer = setInterval(() => context.heartbeat(details), HEARTBEAT_MS);
  try {
    return await run((latest) => (details = { step, ...latest }));
  } finally {
    clearInterval(timer);
  }
}
