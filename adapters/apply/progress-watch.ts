import { setTimeout as sleep } from 'node:timers/promises';
import type { GtidAlgebra } from '../../domain/gtid';
import { appliedPrefix, type ApplyPlan } from './apply-plan';
import { ApplyAbortedError, ApplyStalledError } from './errors';
import type { FlavorGtids } from './flavor-gtids';
import type { ApplyProgress } from './types';

/** One look at the apply: the server's executed GTIDs, anything else that moves while it works, and whether it is over. */
export interface ApplyProbe {
  executed: string;
  activity: string;
  done: boolean;
}

export interface WatchOptions<T extends GtidAlgebra<T>> {
  gtids: FlavorGtids<T>;
  plan: ApplyPlan<T>;
  onProgress?: (progress: ApplyProgress) => void;
  intervalMs: number;
  stallMs: number;
  signal?: AbortSignal;
  /** Settles when the apply may have ended, to look again without waiting for the interval. */
  wake?: Promise<unknown>;
}

export function progressOf<T extends GtidAlgebra<T>>(gtids: FlavorGtids<T>, plan: ApplyPlan<T>, executed: string): ApplyProgress {
  const state = gtids.parse(executed);
  const applied = appliedPrefix(gtids, plan.pending, state);
  return {
    appliedThrough: state.toString(),
    bytesApplied: applied === 0 ? 0 : plan.pending[applied - 1]!.bytesThrough,
    bytesTotal: plan.bytesTotal,
    transactions: applied,
    transactionsTotal: plan.pending.length,
  };
}

/**
 * Probes the apply every interval until the probe says it is done, reporting progress each
 * time; returns the last executed GTIDs. Throws ApplyStalledError when nothing the probe sees
 * changes for `stallMs`, ApplyAbortedError when the signal fires, and whatever the probe throws.
 */
export async function watchApply<T extends GtidAlgebra<T>>(options: WatchOptions<T>, probe: () => Promise<ApplyProbe>): Promise<string> {
  let seen = '';
  let changedAt = Date.now();
  for (;;) {
    if (options.signal?.aborted) throw new ApplyAbortedError();
    const look = await probe();
    options.onProgress?.(progressOf(options.gtids, options.plan, look.executed));
    if (look.done) return look.executed;
    const now = Date.now();
    const state = `${look.executed}|${look.activity}`;
    if (state !== seen) {
      seen = state;
      changedAt = now;
    } else if (now - changedAt >= options.stallMs) {
      throw new ApplyStalledError(Math.round((now - changedAt) / 1000), options.gtids.parse(look.executed).toString());
    }
    const pause = sleep(options.intervalMs, undefined, options.signal ? { signal: options.signal } : undefined).catch(() => undefined);
    await (options.wake
      ? Promise.race([
          pause,
          options.wake.then(
            () => undefined,
            () => undefined,
          ),
        ])
      : pause);
  }
}
