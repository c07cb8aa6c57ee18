import type { GtidFlavor } from '../gtid';
import { historyContains } from '../archive/history';
import {
  microsOf,
  recoverability,
  type BackupPoint,
  type Recoverability,
  type StreamEntry,
  type StreamGap,
  type StreamSegment,
} from '../archive/recoverable';
import type { RetentionPolicy } from './policy';

export type RetentionBackupStatus = 'completed' | 'failed' | 'quarantined' | 'expiring' | 'expired';
export type RetentionSegmentStatus = 'archived' | 'redundant' | 'expiring' | 'expired';

/** A catalogued base backup as retention reads it. */
export interface RetentionBackup {
  backupId: string;
  status: RetentionBackupStatus;
  gtidExecuted: string | null;
  finishedAt: string;
  /** Its artifact was read back whole and matched its signed manifest. */
  verified: boolean;
}

export interface RetentionSegment extends Omit<StreamSegment, 'status'> {
  status: RetentionSegmentStatus;
}

export type RetentionEntry = RetentionSegment | StreamGap;

export interface SegmentRef {
  serverKey: string;
  file: string;
}

/** Artifacts a running restore or verification reads: never expired while held. */
export interface Holds {
  backups: readonly string[];
  segments: readonly SegmentRef[];
}

export interface RetentionInput {
  flavor: GtidFlavor;
  policy: RetentionPolicy;
  backups: readonly RetentionBackup[];
  /** The cluster's archive, in stream order. */
  entries: readonly RetentionEntry[];
  holds: Holds;
  nowMicros: number;
}

export type KeepReason = 'count' | 'age' | 'newest' | 'newest-verified' | 'latest' | 'held';

export interface KeptBackup {
  backupId: string;
  finishedAt: string;
  reasons: KeepReason[];
}

export interface ExpiryDecision {
  policy: RetentionPolicy;
  kept: KeptBackup[];
  /** The oldest backup the policy keeps: every instant recoverable now from here on stays recoverable. */
  policyKeepsFrom: string | null;
  /** Completed backups and archived segments to expire now. */
  backups: string[];
  segments: SegmentRef[];
  /** Left `expiring` by an interrupted run: their objects are deleted again and they are marked expired. */
  unfinished: { backups: string[]; segments: SegmentRef[] };
  before: Recoverability;
  after: Recoverability;
}

export const segmentId = (s: SegmentRef): string => `${s.serverKey}/${s.file}`;
const refOf = (s: SegmentRef): SegmentRef => ({ serverKey: s.serverKey, file: s.file });
/** Each file once: the pieces of a binlog a stream archived are one file to retention. */
const filesOf = (segments: readonly SegmentRef[]): SegmentRef[] => [...new Map(segments.map((s) => [segmentId(s), refOf(s)])).values()];

const usable = (b: RetentionBackup): b is RetentionBackup & { gtidExecuted: string } => b.status === 'completed' && b.gtidExecuted !== null;

function pointsOf(backups: readonly RetentionBackup[]): BackupPoint[] {
  return backups.filter(usable).map((b) => ({ backupId: b.backupId, gtidExecuted: b.gtidExecuted, finishedAt: b.finishedAt }));
}

/** The archive as planning reads it: an `expiring` segment may have lost its objects already. */
function streamOf(entries: readonly RetentionEntry[], expire: ReadonlySet<string> = new Set()): StreamEntry[] {
  return entries.map((e): StreamEntry => {
    if (e.kind === 'gap') return e;
    const status = e.status === 'redundant' ? 'redundant' : e.status === 'archived' && !expire.has(segmentId(e)) ? 'archived' : 'expired';
    return { ...e, status };
  });
}

/** Completed backups, newest first, with why each is kept (no reason: it may expire). */
function keepReasons(input: RetentionInput, before: Recoverability): Map<string, { backup: RetentionBackup; reasons: KeepReason[] }> {
  const { flavor, policy, nowMicros } = input;
  const valid = input.backups.filter(usable).sort((a, b) => microsOf(b.finishedAt) - microsOf(a.finishedAt));
  const reasons = new Map(valid.map((b) => [b.backupId, { backup: b, reasons: [] as KeepReason[] }]));
  const mark = (b: RetentionBackup | undefined, reason: KeepReason) => b && reasons.get(b.backupId)?.reasons.push(reason);
  // Inclusive of ties: a backup finished at the same instant as the Nth newest is kept too.
  const nth = valid[Math.min(policy.keepBackups, valid.length) - 1];
  const ageLimit = policy.keepDays > 0 ? nowMicros - policy.keepDays * 86_400 * 1_000_000 : Infinity;
  for (const b of valid) {
    if (nth !== undefined && microsOf(b.finishedAt) >= microsOf(nth.finishedAt)) mark(b, 'count');
    if (microsOf(b.finishedAt) >= ageLimit) mark(b, 'age');
  }
  mark(valid[0], 'newest');
  mark(
    valid.find((b) => b.verified),
    'newest-verified',
  );
  // What `latest` restores from now: it stays restorable even when newer backups wait for their archive.
  const newestWindow = before.windows[before.windows.length - 1];
  if (newestWindow)
    mark(
      valid.find(
        (b) => historyContains(flavor, b.gtidExecuted, newestWindow.from) && historyContains(flavor, newestWindow.to, b.gtidExecuted),
      ),
      'latest',
    );
  const held = new Set(input.holds.backups);
  for (const b of valid) if (held.has(b.backupId)) mark(b, 'held');
  return reasons;
}

/**
 * The first stream index a kept backup needs: the first segment it lacks transactions of (the
 * replay starts there), or, when it has every transaction of its stretch, the stretch's last
 * segment, so that the backup still lies inside a stretch that `latest` replays from. Backups
 * inside no archived stretch need nothing archived so far.
 */
function firstNeeded(flavor: GtidFlavor, entries: readonly RetentionEntry[], gtidExecuted: string): number {
  let stretch: number[] = [];
  let from: string | undefined;
  let reached: string | undefined;
  const needed = (indexes: number[], stretchFrom: string): number | undefined => {
    const last = indexes[indexes.length - 1];
    if (last === undefined || !historyContains(flavor, gtidExecuted, stretchFrom)) return undefined;
    if (!historyContains(flavor, (entries[last] as RetentionSegment).reached, gtidExecuted)) return undefined;
    const lacking = indexes.findIndex((i) => !historyContains(flavor, gtidExecuted, (entries[i] as RetentionSegment).reached));
    return lacking < 0 ? last : indexes[lacking];
  };
  for (let i = 0; i <= entries.length; i++) {
    const entry = entries[i];
    const ends = entry === undefined || entry.kind === 'gap' || entry.status === 'expiring' || entry.status === 'expired';
    if (ends && stretch.length > 0) {
      const index = needed(stretch, from!);
      if (index !== undefined) return index;
      stretch = [];
    }
    if (entry === undefined) break;
    if (entry.kind === 'segment' && entry.status === 'archived') {
      if (stretch.length === 0) from = reached ?? entry.previousGtids;
      stretch.push(i);
    }
    reached = entry.reached;
  }
  return entries.length;
}

/**
 * What expiry removes under a policy. Kept: the completed backups the policy keeps (the newest
 * `keepBackups` and those younger than `keepDays`), the newest completed and the newest verified
 * backup, the backup `latest` restores from, and every held one; failed, quarantined and
 * expiring backups never count. The archive is kept from the segment holding the oldest kept
 * backup's coordinate, so every instant recoverable now from the oldest backup the policy keeps
 * to the newest archived commit stays recoverable. Held segments are never expired.
 */
export function decideExpiry(input: RetentionInput): ExpiryDecision {
  const { flavor, entries, nowMicros } = input;
  const before = recoverability(flavor, streamOf(entries), pointsOf(input.backups), nowMicros);
  const reasons = keepReasons(input, before);
  const kept = [...reasons.values()].filter((r) => r.reasons.length > 0);
  const expiring = new Set([...reasons.values()].filter((r) => r.reasons.length === 0).map((r) => r.backup.backupId));

  const start = Math.min(entries.length, ...kept.map(({ backup }) => firstNeeded(flavor, entries, backup.gtidExecuted!)));
  const held = new Set(input.holds.segments.map(segmentId));
  // A binlog a stream archived in pieces expires whole: a kept piece is replayed from its file's first.
  for (const e of entries.slice(start)) if (e.kind === 'segment') held.add(segmentId(e));
  // With no completed backup nothing anchors the archive: nothing in it expires.
  const segments =
    kept.length === 0
      ? []
      : entries
          .slice(0, start)
          .filter((e): e is RetentionSegment => e.kind === 'segment' && e.status === 'archived' && !held.has(segmentId(e)));

  const unfinished = {
    backups: input.backups.filter((b) => b.status === 'expiring').map((b) => b.backupId),
    segments: filesOf(entries.filter((e): e is RetentionSegment => e.kind === 'segment' && e.status === 'expiring')),
  };
  const remaining = input.backups.filter((b) => !expiring.has(b.backupId));
  const after = recoverability(flavor, streamOf(entries, new Set(segments.map(segmentId))), pointsOf(remaining), nowMicros);
  const policyKept = kept.filter((k) => k.reasons.includes('count') || k.reasons.includes('age'));
  const oldest = (list: typeof kept) =>
    list.reduce<string | null>(
      (min, k) => (min === null || microsOf(k.backup.finishedAt) < microsOf(min) ? k.backup.finishedAt : min),
      null,
    );
  return {
    policy: input.policy,
    kept: kept.map(({ backup, reasons: why }) => ({ backupId: backup.backupId, finishedAt: backup.finishedAt, reasons: why })),
    policyKeepsFrom: oldest(policyKept),
    backups: [...expiring],
    segments: filesOf(segments),
    unfinished,
    before,
    after,
  };
}
