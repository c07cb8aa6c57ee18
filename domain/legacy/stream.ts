import { checkContinuity } from '../archive/continuity';
import { historyContains, sameHistory } from '../archive/history';
import type { GtidFlavor } from '../gtid';

/** What indexing one legacy binlog object found in it. */
export interface LegacySegmentFacts {
  objectKey: string;
  file: string;
  serverKey: string;
  previousGtids: string;
  gtids: string;
}

/** A legacy binlog's place in the stream: `diverged` files continue nothing and are left out of it. */
export interface PlacedSegment {
  objectKey: string;
  seq: number;
  status: 'archived' | 'redundant' | 'diverged';
  reached: string;
  /** For a diverged file: the stream's transactions its history lacks. */
  lacking?: string;
}

/** Transactions no legacy binlog holds, found at `beforeFile`, whose previous GTIDs are past the stream's end. */
export interface LegacyGap {
  seq: number;
  serverKey: string;
  afterFile: string | null;
  beforeFile: string;
  reachedBefore: string;
  missing: string;
  reached: string;
}

/**
 * Earlier history first: a file whose previous GTIDs the other's contain comes before it.
 * Names only break ties between files that say nothing about each other (the same previous
 * GTIDs: empty files after a rotation).
 */
function byHistory(flavor: GtidFlavor) {
  return (a: LegacySegmentFacts, b: LegacySegmentFacts): number => {
    if (!sameHistory(flavor, a.previousGtids, b.previousGtids)) {
      if (historyContains(flavor, b.previousGtids, a.previousGtids)) return -1;
      if (historyContains(flavor, a.previousGtids, b.previousGtids)) return 1;
    }
    return a.file < b.file ? -1 : a.file > b.file ? 1 : 0;
  };
}

/**
 * Places an older system's binlogs into one stream with the archive's own continuity rules,
 * ordered by their GTID history (an older system's object names and upload times prove
 * nothing). A gap is recorded where a file's previous GTIDs run past what the files before
 * it hold; that file then continues the stream after the gap, as the archive does.
 */
export function placeLegacyStream(
  flavor: GtidFlavor,
  segments: readonly LegacySegmentFacts[],
): { segments: PlacedSegment[]; gaps: LegacyGap[] } {
  const placed: PlacedSegment[] = [];
  const gaps: LegacyGap[] = [];
  let reached: string | undefined;
  let lastFile: string | null = null;
  let seq = 0;
  for (const s of [...segments].sort(byHistory(flavor))) {
    let verdict = checkContinuity(flavor, reached, s);
    if (verdict.continuity.kind === 'gap') {
      gaps.push({
        seq: ++seq,
        serverKey: s.serverKey,
        afterFile: lastFile,
        beforeFile: s.file,
        reachedBefore: reached ?? '',
        missing: verdict.continuity.missing,
        reached: verdict.reached,
      });
      reached = verdict.reached;
      verdict = checkContinuity(flavor, reached, s);
    }
    const { continuity } = verdict;
    if (continuity.kind === 'diverged') {
      placed.push({ objectKey: s.objectKey, seq: ++seq, status: 'diverged', reached: verdict.reached, lacking: continuity.lacking });
      continue;
    }
    const status = continuity.kind === 'redundant' ? 'redundant' : 'archived';
    placed.push({ objectKey: s.objectKey, seq: ++seq, status, reached: verdict.reached });
    if (status === 'archived') {
      reached = verdict.reached;
      lastFile = s.file;
    }
  }
  return { segments: placed, gaps };
}
