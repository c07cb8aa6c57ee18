import { parseGtid, type GtidFlavor } from '../gtid';
import { MariadbBinlogState } from './mariadb-binlog-state';
import { byFinish, historyBetween } from './history';
import { archiveRpoSeconds, type ArchiveObservation } from './rpo';

/** A catalogued binlog, in archive order. */
export interface StreamSegment {
  kind: 'segment';
  file: string;
  serverKey: string;
  /**
   * `redundant`: on record, but every transaction in it was archived from another segment.
   * `expired`: removed by retention (or being removed): it still places the stream, but no
   * restore can replay it, so the archive after it starts a stretch of its own.
   */
  status: 'archived' | 'redundant' | 'expired';
  previousGtids: string;
  /** The archived history once this segment is in. */
  reached: string;
  firstCommitMicros: number | null;
  lastCommitMicros: number | null;
}

/** Transactions that reached no segment, in archive order between the segments around them. */
export interface StreamGap {
  kind: 'gap';
  serverKey: string;
  /** The last file archived before the gap, if any. */
  afterFile: string | null;
  /** The file whose previous GTIDs revealed the gap. */
  beforeFile: string;
  /** The server's files that held the missing transactions, when its file names tell. */
  missingFromFile: string | null;
  missingToFile: string | null;
  missing: string;
  reachedBefore: string;
  reached: string;
  detectedAt: string;
}

export type StreamEntry = StreamSegment | StreamGap;

/** A completed base backup: a consistent point to replay the archive from. */
export interface BackupPoint {
  backupId: string;
  gtidExecuted: string;
  finishedAt: string;
}

/** A stretch of archive without a gap: from its first segment's previous GTIDs to what its last one reaches. */
export interface ArchiveStretch {
  from: string;
  to: string;
  firstFile: string;
  lastFile: string;
  segments: number;
  /** Newest commit archived in the stretch (ISO-8601, microseconds), null when it holds no transaction. */
  newestCommit: string | null;
}

export interface RecoverableWindow extends ArchiveStretch {
  /** The oldest completed backup the stretch replays from; any instant from its end to `newestCommit` is recoverable. */
  baseBackup: BackupPoint;
}

export interface NamedGap {
  serverKey: string;
  afterFile: string | null;
  beforeFile: string;
  missingFiles: string | null;
  missing: string;
  detectedAt: string;
  description: string;
}

export interface Recoverability {
  windows: RecoverableWindow[];
  /** Archived stretches no completed base backup can replay: take a backup to make them count. */
  uncovered: ArchiveStretch[];
  gaps: NamedGap[];
  newestArchivedCommit: string | null;
  /** The recovery point objective a failure now would meet (see `archiveRpoSeconds`). */
  rpoSeconds: number | null;
}

/** The start of the whole second `micros` falls in: what a binlog that stamps seconds (MariaDB's) says of it. */
export function secondStartMicros(micros: number): number {
  return Math.floor(micros / 1_000_000) * 1_000_000;
}

/** Microseconds since the epoch as ISO-8601 with all six fraction digits. */
export function isoMicros(micros: number): string {
  const seconds = Math.floor(micros / 1_000_000);
  const fraction = String(micros - seconds * 1_000_000).padStart(6, '0');
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, `.${fraction}Z`);
}

/** The inverse of `isoMicros`: an ISO-8601 instant with up to six fraction digits, in microseconds. */
export function microsOf(isoText: string): number {
  const fraction = (/\.(\d+)Z$/.exec(isoText)?.[1] ?? '').padEnd(6, '0').slice(0, 6);
  return Math.floor(Date.parse(isoText) / 1000) * 1_000_000 + Number(fraction);
}

/**
 * The instants a window restores to, from its backup's end. When no archived commit is newer
 * than that (the backup's coordinate is the stretch's end), the window is that one instant.
 */
export function windowSpan(w: RecoverableWindow): string {
  const from = w.baseBackup.finishedAt;
  if (w.newestCommit === null || microsOf(w.newestCommit) <= microsOf(from))
    return `${from} only (no archived commit is newer than the backup)`;
  return `${from} … ${w.newestCommit}`;
}

/** The history a binlog file's previous GTIDs stand for, in the flavor's canonical text. */
export function historyBefore(flavor: GtidFlavor, previousGtids: string): string {
  return flavor === 'mysql' ? parseGtid('mysql', previousGtids).toString() : MariadbBinlogState.parse(previousGtids).toString();
}

/** The transactions of a gap in words: a MySQL set is exact, a MariaDB state gives where each server's stretch ends. */
export function missingText(flavor: GtidFlavor, missing: string, reachedBefore: string): string {
  const after = reachedBefore === '' ? '' : ` after ${reachedBefore}`;
  return flavor === 'mysql' ? `${missing}${after}` : `the transactions${after} up to ${missing}`;
}

export function nameGap(flavor: GtidFlavor, gap: StreamGap): NamedGap {
  const missingFiles =
    gap.missingFromFile === null
      ? null
      : gap.missingFromFile === gap.missingToFile
        ? gap.missingFromFile
        : `${gap.missingFromFile} … ${gap.missingToFile}`;
  const where = missingFiles
    ? `${missingFiles} of server ${gap.serverKey}, purged before archiving,`
    : `binlogs of server ${gap.serverKey} before ${gap.beforeFile}`;
  return {
    serverKey: gap.serverKey,
    afterFile: gap.afterFile,
    beforeFile: gap.beforeFile,
    missingFiles,
    missing: gap.missing,
    detectedAt: gap.detectedAt,
    description: `${where} held ${missingText(flavor, gap.missing, gap.reachedBefore)}, which no archived segment holds`,
  };
}

/** A stretch as the stream places it, before any backup is matched to it. */
export interface StretchSummary {
  from: string;
  to: string;
  firstFile: string;
  lastFile: string;
  segments: number;
  newestCommitMicros: number | null;
}

/** The stretches between gaps and expired segments of an archive, and its gaps named. */
export function streamStretches(flavor: GtidFlavor, entries: readonly StreamEntry[]): { stretches: StretchSummary[]; gaps: NamedGap[] } {
  const stretches: StretchSummary[] = [];
  const gaps: NamedGap[] = [];
  let open: StretchSummary | undefined;
  let reached: string | undefined;
  for (const entry of entries) {
    if (entry.kind === 'gap') {
      gaps.push(nameGap(flavor, entry));
      open = undefined;
    } else if (entry.status === 'expired') {
      open = undefined;
    } else if (entry.status === 'archived') {
      if (open === undefined) {
        open = {
          from: reached ?? historyBefore(flavor, entry.previousGtids),
          to: entry.reached,
          firstFile: entry.file,
          lastFile: entry.file,
          segments: 0,
          newestCommitMicros: null,
        };
        stretches.push(open);
      }
      open.to = entry.reached;
      open.lastFile = entry.file;
      open.segments += 1;
      if (entry.lastCommitMicros !== null) open.newestCommitMicros = Math.max(open.newestCommitMicros ?? 0, entry.lastCommitMicros);
    }
    reached = entry.reached;
  }
  return { stretches, gaps };
}

/**
 * The recoverable windows of an archive: each stretch between gaps, replayed from the oldest
 * completed base backup whose coordinate lies inside it, up to its newest archived commit.
 * Every gap is named; the RPO at `nowMicros` counts from what the last archive pass saw of the
 * server, or without that from the newest archived commit.
 */
export function recoverability(
  flavor: GtidFlavor,
  entries: readonly StreamEntry[],
  backups: readonly BackupPoint[],
  nowMicros: number,
  observation?: ArchiveObservation,
): Recoverability {
  const { stretches, gaps } = streamStretches(flavor, entries);
  return recoverabilityOf(flavor, stretches, gaps, backups, nowMicros, observation);
}

/** `recoverability` of an archive summarised as its stretches and gaps. */
export function recoverabilityOf(
  flavor: GtidFlavor,
  stretches: readonly StretchSummary[],
  gaps: NamedGap[],
  backups: readonly BackupPoint[],
  nowMicros: number,
  observation?: ArchiveObservation,
): Recoverability {
  const byAge = byFinish(backups, 'oldest');
  const windows: RecoverableWindow[] = [];
  const uncovered: ArchiveStretch[] = [];
  for (const { newestCommitMicros, ...rest } of stretches) {
    const stretch: ArchiveStretch = { ...rest, newestCommit: newestCommitMicros === null ? null : isoMicros(newestCommitMicros) };
    const inside = historyBetween(flavor, stretch.from, stretch.to);
    const base = byAge.find((b) => inside(b.gtidExecuted));
    if (base) windows.push({ ...stretch, baseBackup: base });
    else uncovered.push(stretch);
  }
  const newest = stretches.reduce<number | null>(
    (max, s) => (s.newestCommitMicros === null ? max : Math.max(max ?? 0, s.newestCommitMicros)),
    null,
  );
  return {
    windows,
    uncovered,
    gaps,
    newestArchivedCommit: newest === null ? null : isoMicros(newest),
    rpoSeconds: archiveRpoSeconds(nowMicros, newest, observation),
  };
}
