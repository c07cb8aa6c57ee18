import { isoMicros, microsOf, type RecoverableWindow } from '../archive/recoverable';

/**
 * The instant a scheduled verification restores to: uniformly within the last `lookbackMicros`
 * of the newest recoverable window (never before the backup that starts it). `random` is in
 * [0, 1); null when nothing is recoverable.
 */
export function verificationInstant(windows: readonly RecoverableWindow[], lookbackMicros: number, random: number): string | null {
  const newest = windows
    .filter((w) => w.newestCommit !== null)
    .sort((a, b) => microsOf(a.newestCommit!) - microsOf(b.newestCommit!))
    .pop();
  if (newest === undefined) return null;
  const end = microsOf(newest.newestCommit!);
  const start = Math.min(end, Math.max(microsOf(newest.baseBackup.finishedAt), end - lookbackMicros));
  return isoMicros(start + Math.floor(random * (end - start)));
}
