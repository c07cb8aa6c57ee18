/**
 * Algebra on lists of GNO intervals. Every list taken and returned is normalised:
 * sorted by start, with no two intervals overlapping or adjacent.
 */

/** The GNOs start..end, both included. */
export interface GnoInterval {
  readonly start: bigint;
  readonly end: bigint;
}

export type GnoIntervals = readonly GnoInterval[];

export function normaliseIntervals(intervals: Iterable<GnoInterval>): GnoInterval[] {
  const sorted = [...intervals].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const merged: GnoInterval[] = [];
  for (const next of sorted) appendMerging(merged, next);
  return merged;
}

export function unionIntervals(a: GnoIntervals, b: GnoIntervals): GnoInterval[] {
  const merged: GnoInterval[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const fromA = a[i];
    const fromB = b[j];
    if (fromB === undefined || (fromA !== undefined && fromA.start <= fromB.start)) {
      appendMerging(merged, fromA as GnoInterval);
      i += 1;
    } else {
      appendMerging(merged, fromB);
      j += 1;
    }
  }
  return merged;
}

export function subtractIntervals(a: GnoIntervals, b: GnoIntervals): GnoInterval[] {
  const result: GnoInterval[] = [];
  let j = 0;
  for (const interval of a) {
    let start = interval.start;
    while (j < b.length && (b[j] as GnoInterval).end < start) j += 1;
    let k = j;
    for (let cut = b[k]; cut !== undefined && cut.start <= interval.end; cut = b[++k]) {
      if (cut.start > start) result.push({ start, end: cut.start - 1n });
      start = cut.end + 1n;
      if (start > interval.end) break;
    }
    if (start <= interval.end) result.push({ start, end: interval.end });
  }
  return result;
}

export function intersectIntervals(a: GnoIntervals, b: GnoIntervals): GnoInterval[] {
  const result: GnoInterval[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as GnoInterval;
    const y = b[j] as GnoInterval;
    // biome-ignore lint/complexity/useMathMinMax: GNOs are bigints, which Math.max refuses
    const start = x.start > y.start ? x.start : y.start;
    // biome-ignore lint/complexity/useMathMinMax: as above
    const end = x.end < y.end ? x.end : y.end;
    if (start <= end) result.push({ start, end });
    if (x.end < y.end) i += 1;
    else j += 1;
  }
  return result;
}

/** True when every GNO of `inner` is in `outer`. */
export function intervalsContain(outer: GnoIntervals, inner: GnoIntervals): boolean {
  let i = 0;
  for (const needed of inner) {
    while (i < outer.length && (outer[i] as GnoInterval).end < needed.start) i += 1;
    const holder = outer[i];
    if (holder === undefined || holder.start > needed.start || holder.end < needed.end) return false;
  }
  return true;
}

export function intervalsEqual(a: GnoIntervals, b: GnoIntervals): boolean {
  return a.length === b.length && a.every((x, i) => x.start === b[i]?.start && x.end === b[i]?.end);
}

export function countIntervals(intervals: GnoIntervals): bigint {
  let total = 0n;
  for (const { start, end } of intervals) total += end - start + 1n;
  return total;
}

/** The GNOs missing between consecutive intervals (not before the first one). */
export function gapsBetweenIntervals(intervals: GnoIntervals): GnoInterval[] {
  const gaps: GnoInterval[] = [];
  for (let i = 1; i < intervals.length; i += 1) {
    gaps.push({ start: (intervals[i - 1] as GnoInterval).end + 1n, end: (intervals[i] as GnoInterval).start - 1n });
  }
  return gaps;
}

export function intervalText({ start, end }: GnoInterval): string {
  return start === end ? `${start}` : `${start}-${end}`;
}

function appendMerging(merged: GnoInterval[], next: GnoInterval): void {
  const last = merged[merged.length - 1];
  if (last !== undefined && next.start <= last.end + 1n) {
    if (next.end > last.end) merged[merged.length - 1] = { start: last.start, end: next.end };
  } else {
    merged.push(next);
  }
}
