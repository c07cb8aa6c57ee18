/**
 * Wraps a progress callback so it fires at most once per `intervalMs` (callers report per
 * chunk; the activity turns each report into a heartbeat). `flush` reports the last value.
 */
export function throttledProgress(
  onProgress: ((bytesDone: number) => void) | undefined,
  intervalMs = 500,
): { report: (bytesDone: number) => void; flush: () => void } {
  let last = 0;
  let pending: number | undefined;
  return {
    report(bytesDone) {
      pending = bytesDone;
      const now = Date.now();
      if (now - last < intervalMs) return;
      last = now;
      pending = undefined;
      onProgress?.(bytesDone);
    },
    flush() {
      if (pending !== undefined) onProgress?.(pending);
      pending = undefined;
    },
  };
}
