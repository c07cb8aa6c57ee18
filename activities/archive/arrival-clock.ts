import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ArrivalLook } from '../../domain/archive/arrival';
import { isBinlogName, parseBinlogName } from '../../domain/archive/binlog-names';

const LOOK_MS = 10;
/** Looks kept per file: minutes of a busy stream, while a piece is sealed within a second or two of its bytes arriving. */
const LOOKS_KEPT = 20_000;

/** Per mirror folder, per binlog, the looks that saw it grow while a live stream wrote it, in this agent process. */
const looksByDir = new Map<string, Map<string, ArrivalLook[]>>();

const nowMicros = (): number => Math.floor((performance.timeOrigin + performance.now()) * 1000);

/** The looks that dated a mirrored binlog's bytes, oldest first; empty when no live stream of this process wrote it. */
export function arrivalLooks(dir: string, file: string): readonly ArrivalLook[] {
  return looksByDir.get(dir)?.get(file) ?? [];
}

function sizesFrom(dir: string, sequence: number): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const name of readdirSync(dir).filter(isBinlogName)) {
    if (parseBinlogName(name).sequence < sequence) continue;
    try {
      sizes.set(name, statSync(join(dir, name)).size);
    } catch {
      // Deleted meanwhile (an archived copy pruned).
    }
  }
  return sizes;
}

/**
 * Dates the bytes a receiver writes into the mirror `dir` by looking at its files every 10 ms
 * until `signal` aborts. Only from the moment the mirror holds `liveFrom` (where the server's
 * binlog ended when the stream connected): until then the stream catches up, and when it
 * received a transaction says nothing of when it committed.
 */
export function startArrivalClock(dir: string, liveFrom: { file: string; size: number }, signal: AbortSignal): void {
  const files = looksByDir.get(dir) ?? new Map<string, ArrivalLook[]>();
  looksByDir.set(dir, files);
  const sequence = parseBinlogName(liveFrom.file).sequence;
  let live = false;
  let lookedAt = 0;
  let sizes = new Map<string, number>();
  const look = (): void => {
    const startedAt = nowMicros();
    let seen: Map<string, number>;
    try {
      seen = sizesFrom(dir, sequence);
    } catch {
      return;
    }
    const byMicros = nowMicros();
    for (const name of files.keys()) if (!seen.has(name) && parseBinlogName(name).sequence >= sequence) files.delete(name);
    if (!live) {
      live = (seen.get(liveFrom.file) ?? 0) >= liveFrom.size || [...seen.keys()].some((n) => parseBinlogName(n).sequence > sequence);
      if (live) for (const [name, size] of seen) files.set(name, [{ size, byMicros }]);
    } else {
      for (const [name, size] of seen) {
        const before = sizes.get(name) ?? 0;
        // A restarted receiver rewrites a file from its start: a new stretch.
        if (size < before) files.set(name, [{ size, byMicros }]);
        else if (size > before) {
          const looks = files.get(name) ?? [];
          looks.push({ size, byMicros, sinceMicros: lookedAt });
          if (looks.length > LOOKS_KEPT) looks.splice(0, looks.length - LOOKS_KEPT);
          files.set(name, looks);
        }
      }
    }
    sizes = seen;
    lookedAt = startedAt;
  };
  const timer = setInterval(look, LOOK_MS);
  signal.addEventListener('abort', () => clearInterval(timer), { once: true });
  look();
}
