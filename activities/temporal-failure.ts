import { ApplicationFailure, TemporalFailure } from '@temporalio/common';
import { PitrError } from '../domain/errors';
import { withHint } from '../domain/failure-hint';

/**
 * The server keeps a retrying activity's last failure only up to 4 KB, message, stack traces and
 * causes together, and replaces a larger one with "Failure exceeds size limit." — which would hide
 * the very failure an SRE looks for. So a failure carries the message (hint included), the frames
 * where it was thrown, and no cause chain (the message already names the cause).
 */
const MESSAGE_LIMIT = 2400;
const STACK_FRAMES = 6;
const FRAME_LIMIT = 160;

/**
 * Wraps an activity so the product's typed errors reach the workflow with their type name,
 * hint, and — for terminal ones — as non-retryable failures that no retry policy repeats.
 * Any other error reaches it as a retryable failure of its own type name, also within the size limit.
 */
export function temporalActivity<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args: A): Promise<R> => {
    try {
      return await fn(...args);
    } catch (err) {
      if (err instanceof PitrError) {
        throw compactFailure(err, {
          message: withHint(shortened(err.message, MESSAGE_LIMIT - (err.hint?.length ?? 0)), err.hint),
          nonRetryable: err.terminal,
          // Apart, for a workflow that records the failure.
          details: [{ hint: err.hint ?? null }],
        });
      }
      if (err instanceof Error && !(err instanceof TemporalFailure)) {
        throw compactFailure(err, { message: shortened(err.message, MESSAGE_LIMIT), nonRetryable: false });
      }
      throw err;
    }
  };
}

function compactFailure(err: Error, fields: { message: string; nonRetryable: boolean; details?: unknown[] }): ApplicationFailure {
  const failure = ApplicationFailure.create({ ...fields, type: err.name });
  failure.stack = compactStack(err.stack, err.name, fields.message);
  return failure;
}

/** The message, its middle left out when it is longer than `limit`. */
function shortened(message: string, limit: number): string {
  const room = Math.max(limit, 200);
  if (message.length <= room) return message;
  const keep = Math.floor((room - 40) / 2);
  return `${message.slice(0, keep)} … (${message.length - 2 * keep} characters left out) … ${message.slice(-keep)}`;
}

function compactStack(stack: string | undefined, name: string, message: string): string {
  const frames = (stack ?? '')
    .split('\n')
    .filter((line) => /^\s+at /.test(line))
    .slice(0, STACK_FRAMES)
    .map((line) => (line.length > FRAME_LIMIT ? `${line.slice(0, FRAME_LIMIT)}…` : line));
  return [`${name}: ${message.split('\n')[0]!.slice(0, FRAME_LIMIT)}`, ...frames].join('\n');
}

/** Applies `temporalActivity` to every function of an activities object. */
export function temporalActivities<T extends object>(activities: T): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(activities)) {
    wrapped[name] = typeof fn === 'function' ? temporalActivity(fn.bind(activities) as (...a: unknown[]) => Promise<unknown>) : fn;
  }
  return wrapped as T;
}
