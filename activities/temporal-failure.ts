import { ApplicationFailure } from '@temporalio/common';
import { PitrError } from '../domain/errors';
import { withHint } from '../domain/failure-hint';

/**
 * Wraps an activity so the product's typed errors reach the workflow with their type name,
 * hint, and — for terminal ones — as non-retryable failures that no retry policy repeats.
 */
export function temporalActivity<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args: A): Promise<R> => {
    try {
      return await fn(...args);
    } catch (err) {
      if (err instanceof PitrError) {
        throw ApplicationFailure.create({
          message: withHint(err.message, err.hint),
          type: err.name,
          nonRetryable: err.terminal,
          // Apart, for a workflow that records the failure. Only the hint: the message is long
          // enough already (a deferred backup names sessions and their SQL) and failures are size-limited.
          details: [{ hint: err.hint ?? null }],
          cause: err,
        });
      }
      throw err;
    }
  };
}

/** Applies `temporalActivity` to every function of an activities object. */
export function temporalActivities<T extends object>(activities: T): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(activities)) {
    wrapped[name] = typeof fn === 'function' ? temporalActivity(fn.bind(activities) as (...a: unknown[]) => Promise<unknown>) : fn;
  }
  return wrapped as T;
}
