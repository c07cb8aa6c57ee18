import {
  isoMicros,
  microsOf,
  recoverability,
  windowSpan,
  type BackupPoint,
  type Recoverability,
  type RecoverableWindow,
  type StreamGap,
  type StreamSegment,
} from '../archive/recoverable';
import type { EngineName, Flavor } from '../backup';
import type { BinlogTransaction } from '../binlog/types';
import { InvalidInputError } from '../errors';
import { byFinish, historyBetween, historyContains, historyUnion } from '../archive/history';
import { commitPrecision, earliestCommitOf, heldBackAt, latestCommitMicros, latestCommitOf, type HeldBack } from './held-back';
import { describeTarget, type RestoreTarget } from './target';

/** A completed base backup as planning reads it from the catalog. */
export interface PlanBackup extends BackupPoint {
  engine: EngineName;
  artifactKey: string;
  manifestKey: string;
  storedSha256: string;
  /** Bytes of the backup, when the catalog records them: what a restore host needs room for. */
  sizeBytes?: number;
  /** The source's `@@version` as its manifest records it: the server release a restore runs on. */
  serverVersion?: string;
}

/** A catalogued segment as planning reads it. */
export interface PlanSegment extends StreamSegment {
  /** MySQL: the file's GTID set; MariaDB: the position after it. */
  gtids: string;
  lastGtid: string | null;
  objectKey: string | null;
  indexKey: string | null;
  storedSha256: string | null;
  sizeBytes: number;
  /** Where a piece of a binlog a stream sealed starts in its file; absent or 0 for a whole file. */
  startOffset?: number;
}

export type PlanEntry = PlanSegment | StreamGap;

export interface PlanInput {
  tenantId: string;
  clusterId: string;
  flavor: Flavor;
  target: RestoreTarget;
  backups: readonly PlanBackup[];
  /** The cluster's archive, in stream order. */
  entries: readonly PlanEntry[];
  /** Backups retention removed: named when an instant is refused for being before the oldest one left. */
  expiredBackups?: readonly { backupId: string; finishedAt: string }[];
  nowMicros: number;
}

/** What choosing a backup and a window reads: the archive itself only as its recoverability. */
export type PlanChoiceInput = Omit<PlanInput, 'entries'>;

/** Same shape as the apply engine's stop: after one transaction, after the last one in a set, or after everything. */
export type RestoreStop = { kind: 'gtid'; gtid: string } | { kind: 'gtid-set'; set: string } | { kind: 'all' };

/** An archived binlog to fetch and apply, in stream order. */
export interface SegmentToApply {
  file: string;
  serverKey: string;
  objectKey: string;
  storedSha256: string;
  sizeBytes: number;
  /** A piece of `file` from this offset on, appended to the pieces before it; absent for a whole file. */
  startOffset?: number;
}

export interface RestorePlan {
  tenantId: string;
  clusterId: string;
  flavor: Flavor;
  target: RestoreTarget;
  backup: PlanBackup;
  segments: SegmentToApply[];
  /** null: the backup alone is the target; nothing to apply. */
  stop: RestoreStop | null;
  /** The GTID state the restored server must report afterwards (canonical). */
  expectedGtids: string;
  /** The last transaction the restore applies and its commit time, when planning knows them. */
  throughGtid: string | null;
  throughCommit: string | null;
  /** An instant inside a second the binlog cannot split: what the restore leaves out to stay before it. */
  heldBack: HeldBack | null;
  /** An instant inside a whole second that a live stream's arrival times split; absent or null otherwise. */
  receivedSplit?: ReceivedSplit | null;
  windows: RecoverableWindow[];
}

/** Of the transactions stamped with the instant's whole second that a live stream dated: how many arrived at or before it, and after it. */
export interface ReceivedSplit {
  second: string;
  atOrBefore: number;
  after: number;
}

/** The part of a plan decided from catalog rows alone; an instant inside a segment also needs that segment's index. */
export interface RestoreScope {
  input: PlanChoiceInput;
  recoverable: Recoverability;
  backup: PlanBackup;
  /** The stretch's segments from the first the backup lacks transactions of. */
  segments: PlanSegment[];
  /** For an instant: the segment whose transactions straddle it; its index decides the last transaction. */
  boundary: PlanSegment | null;
  /**
   * The segments after `boundary` whose first commit is stamped at or before the instant: with
   * whole-second stamps a busy second spans files, and what the replay holds back of it is named
   * whole from their indexes too.
   */
  following: PlanSegment[];
}

/** The target cannot be restored from this cluster's backups and archive. */
export class RestoreRefusedError extends InvalidInputError {}

function windowsText(r: Recoverability): string {
  const windows = r.windows.map((w) => `${windowSpan(w)} (backup ${w.baseBackup.backupId}, GTIDs through ${w.to})`);
  const gaps = r.gaps.map((g) => `gap: ${g.description}`);
  return [`recoverable windows: ${windows.join('; ') || 'none'}`, ...gaps].join('; ');
}

function refuse(r: Recoverability, what: string, hint: string): RestoreRefusedError {
  return new RestoreRefusedError(`${what}; ${windowsText(r)}`, { hint });
}

/** The archived segments of a recoverable window, split at gaps and expired segments as `recoverability` splits them. */
function segmentsOf(entries: readonly PlanEntry[], window: RecoverableWindow): PlanSegment[] {
  const runs: PlanSegment[][] = [];
  let open: PlanSegment[] | undefined;
  for (const entry of entries) {
    if (entry.kind === 'gap' || entry.status === 'expired') open = undefined;
    else if (entry.status === 'archived') {
      if (open === undefined) runs.push((open = []));
      open.push(entry);
    }
  }
  return (
    runs.find(
      (r) => r[0]?.file === window.firstFile && r[r.length - 1]?.file === window.lastFile && r[r.length - 1]?.reached === window.to,
    ) ?? []
  );
}

/** The newest completed backup inside a window for which `also` holds: only the backups newer than it are checked. */
function newestBackupIn(
  input: PlanChoiceInput,
  window: RecoverableWindow,
  also: (b: PlanBackup) => boolean = () => true,
): PlanBackup | undefined {
  const inside = historyBetween(input.flavor, window.from, window.to);
  return byFinish(input.backups, 'newest').find((b) => also(b) && inside(b.gtidExecuted));
}

/** The window and backup a target restores from: decided from the archive's recoverability alone. */
export interface RestoreChoice {
  input: PlanChoiceInput;
  recoverable: Recoverability;
  window: RecoverableWindow;
  backup: PlanBackup;
}

function chooseInstant(input: PlanChoiceInput, recoverable: Recoverability, at: string): RestoreChoice {
  const micros = microsOf(at);
  for (const window of [...recoverable.windows].reverse()) {
    const newest = window.newestCommit === null ? null : microsOf(window.newestCommit);
    const backup = newestBackupIn(input, window, (b) => microsOf(b.finishedAt) <= micros);
    if (backup === undefined || newest === null || micros > newest) continue;
    return { input, recoverable, window, backup };
  }
  if (input.backups.length === 0) {
    throw refuse(
      recoverable,
      `${at} is not recoverable: the cluster has no completed base backup`,
      'take a base backup (pitr backup); the instants after it become recoverable once the archive holds their binlogs',
    );
  }
  const oldestBackup = Math.min(...input.backups.map((b) => microsOf(b.finishedAt)));
  if (micros < oldestBackup) {
    const expired = (input.expiredBackups ?? [])
      .filter((b) => microsOf(b.finishedAt) <= micros)
      .sort((a, b) => microsOf(b.finishedAt) - microsOf(a.finishedAt))[0];
    const hint = expired
      ? `pick an instant inside a recoverable window; backup ${expired.backupId} (finished ${expired.finishedAt}), which an instant this early needs, has expired`
      : `pick an instant inside a recoverable window; no base backup of the cluster finished before ${isoMicros(oldestBackup)}`;
    throw refuse(recoverable, `${at} is before the oldest completed base backup`, hint);
  }
  if (micros > input.nowMicros) {
    throw refuse(
      recoverable,
      `${at} is in the future (now is ${isoMicros(input.nowMicros)})`,
      'pick an instant at or before the newest archived commit, or `latest`',
    );
  }
  if (recoverable.newestArchivedCommit === null || micros > microsOf(recoverable.newestArchivedCommit)) {
    throw refuse(
      recoverable,
      `${at} is after the newest archived commit (${recoverable.newestArchivedCommit ?? 'nothing archived yet'})`,
      'wait for the next archive pass (or run one), or pick an earlier instant',
    );
  }
  throw refuse(
    recoverable,
    `${at} is inside a gap of the archive or a stretch no base backup replays`,
    'pick an instant inside a recoverable window',
  );
}

function chooseGtid(input: PlanChoiceInput, recoverable: Recoverability, set: string): RestoreChoice {
  const { flavor } = input;
  const reaching = recoverable.windows.filter((w) => historyContains(flavor, w.to, set));
  for (const window of [...reaching].reverse()) {
    const backup = newestBackupIn(input, window, (b) => historyContains(flavor, set, b.gtidExecuted));
    if (backup !== undefined) return { input, recoverable, window, backup };
  }
  if (reaching.length === 0) {
    throw refuse(
      recoverable,
      `gtid:${set} is not all archived in a recoverable window`,
      'pick a GTID set the archive holds, or wait for the next archive pass',
    );
  }
  throw refuse(
    recoverable,
    `gtid:${set} precedes every completed base backup of the windows that reach it`,
    'pick a GTID set that contains a base backup coordinate',
  );
}

/**
 * Chooses the recoverable window of the target and the newest completed base backup in it whose
 * coordinate precedes the target, or refuses the target with the recoverable windows.
 */
export function chooseRestore(input: PlanChoiceInput, recoverable: Recoverability): RestoreChoice {
  const { target } = input;
  if (target.kind === 'instant') return chooseInstant(input, recoverable, target.at);
  if (target.kind === 'gtid') return chooseGtid(input, recoverable, target.set);
  const window = recoverable.windows[recoverable.windows.length - 1];
  if (window === undefined) {
    throw refuse(recoverable, 'nothing is recoverable yet', 'it takes a completed base backup inside an archived stretch');
  }
  return { input, recoverable, window, backup: newestBackupIn(input, window)! };
}

/**
 * The segments of a choice: `segments` are archived segments of its window, in stream order,
 * from any one at or before the first the backup lacks transactions of, through the target's
 * (or to the window's end). For an instant that falls inside a segment, `boundary` names the
 * segment whose per-transaction index `finishPlan` needs.
 */
export function scopeChoice(choice: RestoreChoice, segments: readonly PlanSegment[]): RestoreScope {
  const { input, recoverable, backup } = choice;
  const { flavor, target } = input;
  const start = fileStart(
    segments,
    segments.findIndex((s) => !historyContains(flavor, backup.gtidExecuted, s.reached)),
  );
  const fromBackup = start < 0 ? [] : segments.slice(start);
  const scope = { input, recoverable, backup, segments: fromBackup };
  if (target.kind === 'gtid') {
    const end = fromBackup.findIndex((s) => historyContains(flavor, s.reached, target.set));
    return { ...scope, segments: fromBackup.slice(0, end + 1), boundary: null, following: [] };
  }
  if (target.kind !== 'instant') return { ...scope, boundary: null, following: [] };
  const micros = microsOf(target.at);
  const precision = commitPrecision(flavor);
  const boundary = fromBackup.findIndex(
    (s) => s.lastCommitMicros !== null && latestCommitMicros({ micros: s.lastCommitMicros, precision }) > micros,
  );
  if (boundary < 0) return { ...scope, boundary: null, following: [] };
  const later = fromBackup.slice(boundary + 1);
  const stampedBefore = later.findIndex((s) => s.firstCommitMicros === null || s.firstCommitMicros > micros);
  const following = later.slice(0, stampedBefore < 0 ? later.length : stampedBefore);
  return { ...scope, segments: fromBackup.slice(0, boundary + 1), boundary: fromBackup[boundary]!, following };
}

/**
 * Where the file of the segment at `index` starts among `segments`: a piece of a binlog is
 * replayed with the pieces of its file before it, which hold its header (and transactions the
 * backup already has, which the replay skips as it skips them in a whole file).
 */
function fileStart(segments: readonly PlanSegment[], index: number): number {
  let start = index;
  while (start > 0 && (segments[start]!.startOffset ?? 0) > 0) {
    const before = segments[start - 1]!;
    if (before.file !== segments[start]!.file || before.serverKey !== segments[start]!.serverKey) break;
    start--;
  }
  return start;
}

/** `chooseRestore` and `scopeChoice` over a whole archive. */
export function scopeRestore(input: PlanInput): RestoreScope {
  const recoverable = recoverability(input.flavor, input.entries, input.backups, input.nowMicros);
  const choice = chooseRestore(input, recoverable);
  return scopeChoice(choice, segmentsOf(input.entries, choice.window));
}

function toApply(s: PlanSegment): SegmentToApply {
  const piece = s.startOffset ? { startOffset: s.startOffset } : {};
  return { file: s.file, serverKey: s.serverKey, objectKey: s.objectKey!, storedSha256: s.storedSha256!, sizeBytes: s.sizeBytes, ...piece };
}

function lastWithTransactions(segments: readonly PlanSegment[]): PlanSegment | undefined {
  return [...segments].reverse().find((s) => s.lastGtid !== null);
}

/**
 * The plan of a scope. For an instant inside `boundary`, the replay is the binlog prefix that
 * ends before the first transaction that may have committed after the instant
 * (`boundaryTransactions` is the boundary's index, `followingTransactions` those of the
 * scope's `following`, null for one without an index): commit order is binlog order, so it is
 * every transaction surely committed at or before the instant, and never half of one.
 * Transactions a segment repeats from the segments before it (a promoted replica's file) are
 * already in the replay.
 */
export function finishPlan(
  scope: RestoreScope,
  boundaryTransactions: readonly BinlogTransaction[] | null,
  followingTransactions: readonly (readonly BinlogTransaction[] | null)[] = [],
): RestorePlan {
  const { input, backup, recoverable } = scope;
  const { flavor, target } = input;
  const base = { tenantId: input.tenantId, clusterId: input.clusterId, flavor, target, backup, windows: recoverable.windows };
  const applied = (
    segments: PlanSegment[],
    stop: RestoreStop | null,
    expected: string[],
    through: { gtid: string | null; micros: number | null },
    heldBack: HeldBack | null = null,
  ): RestorePlan => ({
    ...base,
    heldBack,
    segments: stop === null ? [] : segments.map(toApply),
    stop,
    expectedGtids: historyUnion(flavor, [backup.gtidExecuted, ...expected]),
    throughGtid: through.gtid,
    throughCommit: through.micros === null ? null : isoMicros(through.micros),
  });
  const whole = (segments: PlanSegment[]): RestorePlan => {
    const last = lastWithTransactions(segments);
    return applied(
      segments,
      last ? { kind: 'all' } : null,
      segments.map((s) => s.reached),
      { gtid: last?.lastGtid ?? null, micros: last?.lastCommitMicros ?? null },
    );
  };

  if (target.kind === 'gtid') {
    return applied(scope.segments, scope.segments.length > 0 ? { kind: 'gtid-set', set: target.set } : null, [target.set], {
      gtid: null,
      micros: null,
    });
  }
  const boundary = scope.boundary;
  if (boundary === null || target.kind !== 'instant') return whole(scope.segments);
  if (boundaryTransactions === null) {
    throw new InvalidInputError(`planning ${describeTarget(target)} needs the transaction index of ${boundary.file}`, {
      hint: 'read the boundary segment index before finishing the plan',
    });
  }
  const micros = microsOf(target.at);
  const before = scope.segments.slice(0, -1);
  const reachedBefore = historyUnion(flavor, [boundary.previousGtids, ...before.map((s) => s.reached)]);
  // The transactions each segment from the boundary on adds: a promoted replica's file repeats
  // what the segments before it hold (with its own, later commit times), each applied once.
  const added: { trx: BinlogTransaction & { gtid: string }; segment: number }[] = [];
  let reached = reachedBefore;
  const indexes = [boundaryTransactions, ...followingTransactions];
  for (const [i, segment] of [boundary, ...scope.following].entries()) {
    // A segment without an index: what it holds cannot be placed, so nothing after it is replayed.
    const transactions = indexes[i];
    if (!transactions) break;
    for (const trx of transactions) {
      if (trx.gtid !== null && !historyContains(flavor, reached, trx.gtid)) added.push({ trx: { ...trx, gtid: trx.gtid }, segment: i });
    }
    reached = historyUnion(flavor, [reached, segment.reached]);
  }
  // Only what surely committed at or before the instant: a transaction stamped with a whole
  // second that holds the instant may have committed after it, so the replay stops before it,
  // unless a live stream received it by the instant.
  const firstAfter = added.findIndex(({ trx }) => latestCommitOf(trx) > micros);
  const prefix = added.slice(0, firstAfter < 0 ? added.length : firstAfter);
  const last = prefix[prefix.length - 1];
  const split = receivedSplit(micros, added, prefix.length);
  const heldBack = (state: string) =>
    heldBackAt(
      flavor,
      micros,
      state,
      added.slice(prefix.length).map((a) => a.trx),
    );
  if (last === undefined) {
    const plan = whole(before);
    return { ...plan, heldBack: heldBack(plan.expectedGtids), receivedSplit: split };
  }
  const expected = [reachedBefore, prefix.map((a) => a.trx.gtid).join(',')];
  return {
    ...applied(
      [...scope.segments, ...scope.following.slice(0, last.segment)],
      { kind: 'gtid', gtid: last.trx.gtid },
      expected,
      { gtid: last.trx.gtid, micros: last.trx.commitTime.micros },
      heldBack(historyUnion(flavor, [backup.gtidExecuted, ...expected])),
    ),
    receivedSplit: split,
  };
}

/**
 * How the arrival times a live stream recorded split the whole second an instant falls in:
 * null when none of that second's transactions has one.
 */
function receivedSplit(micros: number, added: readonly { trx: BinlogTransaction }[], replayed: number): ReceivedSplit | null {
  const second = Math.floor(micros / 1_000_000);
  const dated = added
    .map(({ trx }, i) => ({ trx, replayed: i < replayed }))
    .filter(({ trx }) => trx.received && trx.commitTime.precision === 's' && Math.floor(trx.commitTime.micros / 1_000_000) === second);
  if (dated.length === 0) return null;
  return {
    second: isoMicros(second * 1_000_000).replace('.000000Z', 'Z'),
    atOrBefore: dated.filter((d) => d.replayed).length,
    after: dated.filter((d) => earliestCommitOf(d.trx) > micros).length,
  };
}
