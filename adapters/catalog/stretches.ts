import type { PoolClient } from 'pg';
import { historyBefore, isoMicros, type StretchSummary } from '../../domain/archive/recoverable';
import type { GtidFlavor } from '../../domain/gtid';

/** A stretch of a cluster's archive with where its archived segments lie in the stream. */
export interface StretchRange {
  summary: StretchSummary;
  firstSeq: number;
  lastSeq: number;
}

/** Past every stream position: the stream of a stretch no gap or expired segment ends. */
const STREAM_END = '9223372036854775807';

/** The first archived segment after stream position `after`. */
async function nextArchived(db: PoolClient, clusterId: string, after: string) {
  const res = await db.query<{ stream_seq: string; file_name: string; previous_gtids: string; archived_through: string | null }>(
    `SELECT stream_seq, file_name, previous_gtids, archived_through FROM binlog_segments
     WHERE cluster_id = $1 AND status = 'archived' AND stream_seq > $2 ORDER BY stream_seq LIMIT 1`,
    [clusterId, after],
  );
  return res.rows[0];
}

/** The first entry after `after` that ends a stretch: a gap, or a segment retention removes. */
async function nextBreak(db: PoolClient, clusterId: string, after: string): Promise<string> {
  const res = await db.query<{ seq: string | null }>(
    `SELECT least(
       (SELECT min(stream_seq) FROM archive_gaps WHERE cluster_id = $1 AND stream_seq > $2),
       (SELECT min(stream_seq) FROM binlog_segments WHERE cluster_id = $1 AND status IN ('expiring', 'expired') AND stream_seq > $2)
     ) AS seq`,
    [clusterId, after],
  );
  return res.rows[0]?.seq ?? STREAM_END;
}

/** What the stream reached just before position `seq`, whatever the entry there. */
async function reachedBefore(db: PoolClient, clusterId: string, seq: string): Promise<string | undefined> {
  const res = await db.query<{ reached_gtids: string }>(
    `SELECT reached_gtids FROM (
       (SELECT stream_seq, reached_gtids FROM binlog_segments WHERE cluster_id = $1 AND stream_seq < $2 ORDER BY stream_seq DESC LIMIT 1)
       UNION ALL
       (SELECT stream_seq, reached_gtids FROM archive_gaps WHERE cluster_id = $1 AND stream_seq < $2 ORDER BY stream_seq DESC LIMIT 1)
     ) before ORDER BY stream_seq DESC LIMIT 1`,
    [clusterId, seq],
  );
  return res.rows[0]?.reached_gtids;
}

/** The running figures through the segment just before position `seq`: none before the cluster's first. */
async function figuresBefore(db: PoolClient, clusterId: string, seq: string) {
  const res = await db.query<{ archived_through: string | null; newest_through_us: string | null }>(
    `SELECT archived_through, ${MICROS('newest_commit_through')} AS newest_through_us FROM binlog_segments
     WHERE cluster_id = $1 AND stream_seq < $2 ORDER BY stream_seq DESC LIMIT 1`,
    [clusterId, seq],
  );
  return res.rows[0] ?? { archived_through: '0', newest_through_us: null };
}

const MICROS = (column: string) => `(extract(epoch FROM ${column}) * 1000000)::bigint`;
const microsOrNull = (v: string | null): number | null => (v === null ? null : Number(v));

/**
 * A stretch's count of archived segments and newest commit. From the running figures of its
 * ends when the newest commit rose inside it; otherwise (an older stretch held a later commit,
 * or rows from before the figures) by reading its segments.
 */
async function stretchFigures(
  db: PoolClient,
  clusterId: string,
  first: { stream_seq: string; archived_through: string | null },
  last: { stream_seq: string; archived_through: string | null; newest_through_us: string | null },
): Promise<{ segments: number; newestCommitMicros: number | null }> {
  const before = await figuresBefore(db, clusterId, first.stream_seq);
  const newestBefore = microsOrNull(before.newest_through_us);
  const newest = microsOrNull(last.newest_through_us);
  if (
    first.archived_through !== null &&
    last.archived_through !== null &&
    newest !== null &&
    (newestBefore === null || newest > newestBefore)
  ) {
    return { segments: Number(last.archived_through) - Number(first.archived_through) + 1, newestCommitMicros: newest };
  }
  const res = await db.query<{ segments: string; newest_us: string | null }>(
    `SELECT count(*) AS segments, ${MICROS('max(last_commit_at)')} AS newest_us FROM binlog_segments
     WHERE cluster_id = $1 AND status = 'archived' AND stream_seq BETWEEN $2 AND $3`,
    [clusterId, first.stream_seq, last.stream_seq],
  );
  return { segments: Number(res.rows[0]!.segments), newestCommitMicros: microsOrNull(res.rows[0]!.newest_us) };
}

/**
 * The stretches of a cluster's archive as `streamStretches` finds them, read from their ends
 * and the entries that end them rather than segment by segment: a few index reads per stretch.
 */
export async function archiveStretches(db: PoolClient, clusterId: string, flavor: GtidFlavor): Promise<StretchRange[]> {
  const stretches: StretchRange[] = [];
  let after = '0';
  for (;;) {
    const first = await nextArchived(db, clusterId, after);
    if (first === undefined) return stretches;
    const end = await nextBreak(db, clusterId, first.stream_seq);
    const last = await db.query<{
      stream_seq: string;
      file_name: string;
      reached_gtids: string;
      archived_through: string | null;
      newest_through_us: string | null;
    }>(
      `SELECT stream_seq, file_name, reached_gtids, archived_through, ${MICROS('newest_commit_through')} AS newest_through_us
       FROM binlog_segments WHERE cluster_id = $1 AND status = 'archived' AND stream_seq >= $2 AND stream_seq < $3
       ORDER BY stream_seq DESC LIMIT 1`,
      [clusterId, first.stream_seq, end],
    );
    const tail = last.rows[0]!;
    stretches.push({
      firstSeq: Number(first.stream_seq),
      lastSeq: Number(tail.stream_seq),
      summary: {
        from: (await reachedBefore(db, clusterId, first.stream_seq)) ?? historyBefore(flavor, first.previous_gtids),
        to: tail.reached_gtids,
        firstFile: first.file_name,
        lastFile: tail.file_name,
        ...(await stretchFigures(db, clusterId, first, tail)),
      },
    });
    if (end === STREAM_END) return stretches;
    after = end;
  }
}

/** The first archived segment at or after `from` and at or before `to`, with the history it reaches. */
export async function archivedAtOrAfter(
  db: PoolClient,
  clusterId: string,
  from: number,
  to: number,
): Promise<{ seq: number; reached: string } | undefined> {
  const res = await db.query<{ stream_seq: string; reached_gtids: string }>(
    `SELECT stream_seq, reached_gtids FROM binlog_segments
     WHERE cluster_id = $1 AND status = 'archived' AND stream_seq BETWEEN $2 AND $3 ORDER BY stream_seq LIMIT 1`,
    [clusterId, from, to],
  );
  const row = res.rows[0];
  return row && { seq: Number(row.stream_seq), reached: row.reached_gtids };
}

/** The first archived segment in `from`…`to` whose last commit is stamped at or after `stampMicros`. */
export async function firstStampedFrom(db: PoolClient, clusterId: string, from: number, to: number, stampMicros: number) {
  const res = await db.query<{ stream_seq: string }>(
    `SELECT stream_seq FROM binlog_segments
     WHERE cluster_id = $1 AND status = 'archived' AND stream_seq BETWEEN $2 AND $3 AND last_commit_at >= $4::timestamptz
     ORDER BY stream_seq LIMIT 1`,
    [clusterId, from, to, isoMicros(stampMicros)],
  );
  return res.rows[0] && Number(res.rows[0].stream_seq);
}

/** The first archived segment after `after` and at or before `to` with no commit, or whose first is stamped after `micros`. */
export async function firstStartingAfter(db: PoolClient, clusterId: string, after: number, to: number, micros: number) {
  const res = await db.query<{ stream_seq: string }>(
    `SELECT stream_seq FROM binlog_segments
     WHERE cluster_id = $1 AND status = 'archived' AND stream_seq > $2 AND stream_seq <= $3
       AND (first_commit_at IS NULL OR first_commit_at > $4::timestamptz)
     ORDER BY stream_seq LIMIT 1`,
    [clusterId, after, to, isoMicros(micros)],
  );
  return res.rows[0] && Number(res.rows[0].stream_seq);
}
