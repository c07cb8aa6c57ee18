import { setTimeout as sleep } from 'node:timers/promises';
import { classifyStorageError, type StorageError } from './errors';
import type { StorageCall } from './settings-origin';

/**
 * The one retry loop for storage calls. The SDK's own retries are switched off (maxAttempts 1,
 * see s3-store.ts) so that attempts are not multiplied by a second loop, and so that every
 * failure goes through `classifyStorageError` and comes out typed.
 */
export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 5, baseDelayMs: 200, maxDelayMs: 10_000 };

/** Exponential backoff with full jitter: uniform in [0, min(max, base * 2^(attempt-1))]. */
export function backoffDelayMs(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  return Math.floor(random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1)));
}

/**
 * Told of each failure that is retried, before the wait: retries inside one call are otherwise
 * invisible, and a caller (an activity) makes them visible. The last failure is thrown instead.
 */
export type RetryListener = (failure: StorageError) => void;

export async function withRetry<T>(
  call: () => Promise<T>,
  where: StorageCall,
  policy: RetryPolicy,
  signal?: AbortSignal,
  onRetry?: RetryListener,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    try {
      return await call();
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      const classified: StorageError = classifyStorageError(err, where, attempt);
      if (classified.terminal || attempt >= policy.attempts) throw classified;
      onRetry?.(classified);
      await sleep(backoffDelayMs(policy, attempt), undefined, signal ? { signal } : undefined);
    }
  }
}

/** Counts the retries of the calls it hears of: what an upload reports of the retries inside it. */
export class RetryTally {
  count = 0;

  readonly onRetry: RetryListener = () => {
    this.count += 1;
  };
}
