import { CancelledFailure, Context } from '@temporalio/activity';

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
  } catch (err) {
    throw cancellationOr(context, err);
  } finally {
    clearInterval(timer);
  }
}

/**
 * Heartbeats of a resumable upload. Each acknowledged part's resume state goes out at once: the
 * SDK sends an attempt's first heartbeat immediately and holds later ones to 80% of the timeout,
 * so nothing emptier is sent before it. When parts come slower than half the heartbeat timeout
 * (a throttled upload), the latest state is sent again, so the attempt is not taken for a dead worker.
 */
export async function uploadHeartbeating<T>(run: (report: (state: object) => void) => Promise<T>): Promise<T> {
  const context = Context.current();
  // Late enough that a part acknowledged in time goes first; early enough to arrive within the timeout.
  const quietMs = Math.max(HEARTBEAT_MS, (context.info.heartbeatTimeoutMs ?? 60_000) * 0.75);
  let details: object = { step: 'upload' };
  let sentAt = Date.now();
  const send = (): void => {
    sentAt = Date.now();
    context.heartbeat(details);
  };
  const timer = setInterval(() => {
    if (Date.now() - sentAt >= quietMs) send();
  }, 1000);
  try {
    return await run((state) => {
      details = { step: 'upload', ...state };
      send();
    });
  } catch (err) {
    throw cancellationOr(context, err);
  } finally {
    clearInterval(timer);
  }
}

/**
 * A step stopped by its activity's cancellation fails with its own error (a tool killed, a
 * stream aborted). Reported as that, the workflow would see a failure and retry or fail, not
 * the cancellation it asked for and waits on.
 */
function cancellationOr(context: Context, err: unknown): unknown {
  const { cancellationSignal } = context;
  return cancellationSignal.aborted && cancellationSignal.reason instanceof CancelledFailure ? cancellationSignal.reason : err;
}
