import type { PoolClient } from 'pg';
import { archivedAtOrAfter, firstStampedFrom, firstStartingAfter, type StretchRange } from '../../adapters/catalog/stretches';
import { historyContains } from '../../domain/archive/history';
import { microsOf } from '../../domain/archive/recoverable';
import { earliestStampAfter } from '../../domain/restore/held-back';
import type { RestoreChoice } from '../../domain/restore/plan';

/**
 * Where in the stream the segments `scopeChoice` decides on lie: from the first the backup lacks
 * transactions of (histories only grow along a stretch, so it is found by bisection), through
 * the one that reaches the target, or, for an instant, the one after the segments stamped at or
 * before it; null when the backup holds the whole stretch.
 */
export async function segmentRange(
  db: PoolClient,
  clusterId: string,
  { input, backup }: RestoreChoice,
  stretch: StretchRange,
): Promise<{ from: number; to: number } | null> {
  const { flavor, target } = input;
  const firstWhere = (from: number, holds: (reached: string) => boolean) =>
    bisect((at) => archivedAtOrAfter(db, clusterId, at, stretch.lastSeq), from, stretch.lastSeq, holds);
  const from = await firstWhere(stretch.firstSeq, (reached) => !historyContains(flavor, backup.gtidExecuted, reached));
  if (from === undefined) return null;
  if (target.kind === 'gtid')
    return { from, to: (await firstWhere(from, (reached) => historyContains(flavor, reached, target.set))) ?? stretch.lastSeq };
  if (target.kind !== 'instant') return { from, to: stretch.lastSeq };
  const micros = microsOf(target.at);
  const boundary = await firstStampedFrom(db, clusterId, from, stretch.lastSeq, earliestStampAfter(flavor, micros));
  if (boundary === undefined) return { from, to: stretch.lastSeq };
  return { from, to: (await firstStartingAfter(db, clusterId, boundary, stretch.lastSeq, micros)) ?? stretch.lastSeq };
}

/**
 * The first stream position in `from`…`to` whose segment `holds`, for a property that, once a
 * segment has it, every later one has too; `next` is the first segment at or after a position.
 */
async function bisect(
  next: (at: number) => Promise<{ seq: number; reached: string } | undefined>,
  from: number,
  to: number,
  holds: (reached: string) => boolean,
): Promise<number | undefined> {
  let found: number | undefined;
  let low = from;
  let high = to;
  while (low <= high) {
    const middle = low + Math.floor((high - low) / 2);
    const segment = await next(middle);
    if (segment === undefined || segment.seq > high) high = middle - 1;
    else if (holds(segment.reached)) {
      found = segment.seq;
      high = middle - 1;
    } else low = segment.seq + 1;
  }
  return found;
}
