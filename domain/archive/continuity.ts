import { MysqlGtidSet, type GtidAlgebra, type GtidFlavor } from '../gtid';
import { parseBinlogName } from './binlog-names';
import { MariadbBinlogState } from './mariadb-binlog-state';

/** What one binlog file says about the history around it. */
export interface SegmentHistory {
  /** MySQL Previous-GTIDs set; MariaDB Gtid_list (the last GTID of each domain and server id before the file). */
  previousGtids: string;
  /** MySQL: the file's GTID set. MariaDB: the last GTID of each domain and server id in the file. */
  gtids: string;
}

/**
 * How a binlog file relates to the archived stream, whose history so far is `reached`
 * (MySQL: every GTID archived, plus the first segment's Previous-GTIDs; MariaDB: the binlog
 * state the archived stream brings a server to, as its next Gtid_list would say).
 *
 * - `starts`: the archive is empty; this file begins it.
 * - `continues`: its previous GTIDs are exactly what the archive holds.
 * - `redundant`: everything in it is archived already (an older file of a promoted replica).
 * - `diverged`: the server's history lacks archived transactions (`lacking`): it cannot
 *   continue this archive.
 * - `gap`: transactions before it (`missing`) are in no archived segment: a purged binlog.
 * - `overlaps`: another server's file that begins inside the archived history and goes past
 *   it (a replica promoted after failover): `overlap` is what it repeats.
 */
export type Continuity =
  | { kind: 'starts' }
  | { kind: 'continues' }
  | { kind: 'redundant' }
  | { kind: 'diverged'; lacking: string }
  | { kind: 'gap'; missing: string }
  | { kind: 'overlaps'; overlap: string };

export interface ContinuityVerdict {
  continuity: Continuity;
  /** The archived history once this verdict is recorded (for a gap: with the gap's transactions accounted for). */
  reached: string;
}

type History<T> = Pick<GtidAlgebra<T>, 'union' | 'subtract' | 'contains' | 'equals' | 'isEmpty' | 'toString'>;

function classify<T extends History<T>>(reached: T | undefined, previous: T, gtids: T): ContinuityVerdict {
  const after = previous.union(gtids);
  if (reached === undefined) return { continuity: { kind: 'starts' }, reached: after.toString() };
  if (previous.equals(reached)) return { continuity: { kind: 'continues' }, reached: after.toString() };
  // An older file of a promoted replica: judged by the server's later files, not this one.
  if (reached.contains(after)) return { continuity: { kind: 'redundant' }, reached: reached.toString() };
  const lacking = reached.subtract(after);
  if (!lacking.isEmpty()) return { continuity: { kind: 'diverged', lacking: lacking.toString() }, reached: reached.toString() };
  const missing = previous.subtract(reached);
  if (!missing.isEmpty()) return { continuity: { kind: 'gap', missing: missing.toString() }, reached: reached.union(previous).toString() };
  return { continuity: { kind: 'overlaps', overlap: reached.subtract(previous).toString() }, reached: after.toString() };
}

/**
 * Decides how a binlog file continues the archived history `reached` (undefined while the
 * archive is empty). Ordering is by GTIDs alone, never by file names, upload or storage times.
 */
export function checkContinuity(flavor: GtidFlavor, reached: string | undefined, segment: SegmentHistory): ContinuityVerdict {
  if (flavor === 'mysql') {
    return classify(
      reached === undefined ? undefined : MysqlGtidSet.parse(reached),
      MysqlGtidSet.parse(segment.previousGtids),
      MysqlGtidSet.parse(segment.gtids),
    );
  }
  return classify(
    reached === undefined ? undefined : MariadbBinlogState.parse(reached),
    MariadbBinlogState.parse(segment.previousGtids),
    MariadbBinlogState.parse(segment.gtids),
  );
}

/** A server's binlog (or piece of one) and the history it starts from and adds. */
export interface ServerSegment extends SegmentHistory {
  file: string;
}

/**
 * What a server's next binlog (or piece) shows its history lost since the last segment the
 * archive holds of the same server, or undefined when it only went on. A server's binlog names
 * only grow, and every file starts from all its earlier files hold (purging drops files, never
 * that history): only a reset or a replaced datadir takes either back. The GTIDs compared are
 * numbers a reset server hands out again, so the names are compared too.
 */
export function historyWentBack(flavor: GtidFlavor, last: ServerSegment, next: ServerSegment): string | undefined {
  if (parseBinlogName(next.file).sequence < parseBinlogName(last.file).sequence) {
    return `its binlog names went back from ${last.file} to ${next.file}`;
  }
  const lacking =
    flavor === 'mysql'
      ? lackingOf(MysqlGtidSet.parse(last.previousGtids).union(MysqlGtidSet.parse(last.gtids)), MysqlGtidSet.parse(next.previousGtids))
      : lackingOf(
          MariadbBinlogState.parse(last.previousGtids).union(MariadbBinlogState.parse(last.gtids)),
          MariadbBinlogState.parse(next.previousGtids),
        );
  return lacking === undefined ? undefined : `${next.file} starts from a history that lacks ${lacking}, which its ${last.file} had reached`;
}

function lackingOf<T extends History<T>>(reached: T, previous: T): string | undefined {
  const lacking = reached.subtract(previous);
  return lacking.isEmpty() ? undefined : lacking.toString();
}
