import type { PoolClient } from 'pg';
import { isoMicros, microsOf, type StreamEntry, type StreamGap, type StreamSegment } from '../../domain/archive/recoverable';
import type { BinlogServer, SegmentEnd } from '../../domain/archive/types';
import type { BinlogTime } from '../../domain/binlog/types';
import type { Catalog } from './catalog';

/** `expiring`/`expired`: removed by retention; the row stays, as the stream's history. */
export type SegmentStatus = 'archived' | 'redundant' | 'expiring' | 'expired';

/** A binlog segment as the catalog records it. Times are ISO-8601 with microseconds. */
export interface SegmentRecord {
  streamSeq: number;
  server: BinlogServer;
  file: string;
  /** Where in the file the segment starts: 0 for a whole file or a file's first piece. */
  startOffset: number;
  /** The segment runs to the file's end: a whole file, or the last piece of one. */
  closesFile: boolean;
  status: SegmentStatus;
  previousGtids: string;
  gtids: string;
  overlapGtids: string;
  reachedGtids: string;
  firstGtid: string | null;
  lastGtid: string | null;
  transactions: number;
  firstEventAt: string | null;
  lastEventAt: string | null;
  firstCommitAt: string | null;
  lastCommitAt: string | null;
  sizeBytes: number;
  sha256: string;
  objectKey: string | null;
  storedBytes: number | null;
  storedSha256: string | null;
  indexKey: string | null;
  archivedAt: string;
}

export type NewSegment = Omit<
  SegmentRecord,
  'streamSeq' | 'archivedAt' | 'firstEventAt' | 'lastEventAt' | 'firstCommitAt' | 'lastCommitAt'
> & {
  firstEventTime: BinlogTime | null;
  lastEventTime: BinlogTime | null;
  firstCommitTime: BinlogTime | null;
  lastCommitTime: BinlogTime | null;
};

export interface GapRecord {
  streamSeq: number;
  serverKey: string;
  afterFile: string | null;
  beforeFile: string;
  missingFromFile: string | null;
  missingToFile: string | null;
  reachedBefore: string;
  missingGtids: string;
  reachedGtids: string;
  detectedAt: string;
}

export type NewGap = Omit<GapRecord, 'streamSeq' | 'detectedAt'>;

export type ArchiveEntry = ({ kind: 'segment' } & SegmentRecord) | ({ kind: 'gap' } & GapRecord);

/** Timestamps come back as text with microseconds (node-postgres Dates keep milliseconds only). */
const MICROS = (column: string) => `(extract(epoch FROM ${column}) * 1000000)::bigint AS ${column}_us`;

const SEGMENT_COLUMNS = `stream_seq, server_key, server_uuid, server_id, file_name, start_offset, closes_file, status, previous_gtids, gtids, overlap_gtids,
  reached_gtids, first_gtid, last_gtid, transactions, size_bytes, sha256, object_key, stored_bytes, stored_sha256, index_key,
  ${MICROS('first_event_at')}, ${MICROS('last_event_at')}, ${MICROS('first_commit_at')}, ${MICROS('last_commit_at')}, ${MICROS('archived_at')}`;

interface SegmentRow {
  stream_seq: string;
  server_key: string;
  server_uuid: string | null;
  server_id: string;
  file_name: string;
  start_offset: string;
  closes_file: boolean;
  status: SegmentStatus;
  previous_gtids: string;
  gtids: string;
  overlap_gtids: string;
  reached_gtids: string;
  first_gtid: string | null;
  last_gtid: string | null;
  transactions: string;
  size_bytes: string;
  sha256: string;
  object_key: string | null;
  stored_bytes: string | null;
  stored_sha256: string | null;
  index_key: string | null;
  first_event_at_us: string | null;
  last_event_at_us: string | null;
  first_commit_at_us: string | null;
  last_commit_at_us: string | null;
  archived_at_us: string;
}

const iso = (micros: string | null): string | null => (micros === null ? null : isoMicros(Number(micros)));
const num = (v: string | null): number | null => (v === null ? null : Number(v));

function segmentOf(r: SegmentRow): SegmentRecord {
  return {
    streamSeq: Number(r.stream_seq),
    server: { key: r.server_key, uuid: r.server_uuid ?? undefined, id: Number(r.server_id) },
    file: r.file_name,
    startOffset: Number(r.start_offset),
    closesFile: r.closes_file,
    status: r.status,
    previousGtids: r.previous_gtids,
    gtids: r.gtids,
    overlapGtids: r.overlap_gtids,
    reachedGtids: r.reached_gtids,
    firstGtid: r.first_gtid,
    lastGtid: r.last_gtid,
    transactions: Number(r.transactions),
    firstEventAt: iso(r.first_event_at_us),
    lastEventAt: iso(r.last_event_at_us),
    firstCommitAt: iso(r.first_commit_at_us),
    lastCommitAt: iso(r.last_commit_at_us),
    sizeBytes: Number(r.size_bytes),
    sha256: r.sha256,
    objectKey: r.object_key,
    storedBytes: num(r.stored_bytes),
    storedSha256: r.stored_sha256,
    indexKey: r.index_key,
    archivedAt: isoMicros(Number(r.archived_at_us)),
  };
}

interface GapRow {
  stream_seq: string;
  server_key: string;
  after_file: string | null;
  before_file: string;
  missing_from_file: string | null;
  missing_to_file: string | null;
  reached_before: string;
  missing_gtids: string;
  reached_gtids: string;
  detected_at_us: string;
}

function gapOf(r: GapRow): GapRecord {
  return {
    streamSeq: Number(r.stream_seq),
    serverKey: r.server_key,
    afterFile: r.after_file,
    beforeFile: r.before_file,
    missingFromFile: r.missing_from_file,
    missingToFile: r.missing_to_file,
    reachedBefore: r.reached_before,
    missingGtids: r.missing_gtids,
    reachedGtids: r.reached_gtids,
    detectedAt: isoMicros(Number(r.detected_at_us)),
  };
}

/**
 * Serialises archive passes of one cluster for the rest of the transaction: continuity is
 * decided against the stream's head, which must not move until the decision is recorded.
 */
export async function lockArchive(db: PoolClient, clusterId: string): Promise<void> {
  await db.query('SELECT 1 FROM clusters WHERE cluster_id = $1 FOR UPDATE', [clusterId]);
}

/** The newest entry of the stream: its archived history and the last file it holds. */
export async function streamHead(db: PoolClient, clusterId: string): Promise<{ reached: string; lastFile: string | null } | undefined> {
  const res = await db.query<{ reached_gtids: string; file_name: string | null }>(
    `SELECT reached_gtids, file_name FROM (
       SELECT stream_seq, reached_gtids, file_name FROM binlog_segments WHERE cluster_id = $1
       UNION ALL SELECT stream_seq, reached_gtids, NULL FROM archive_gaps WHERE cluster_id = $1
     ) entries ORDER BY stream_seq DESC LIMIT 1`,
    [clusterId],
  );
  const row = res.rows[0];
  if (!row) return undefined;
  const last = await db.query<{ file_name: string }>(
    'SELECT file_name FROM binlog_segments WHERE cluster_id = $1 ORDER BY stream_seq DESC LIMIT 1',
    [clusterId],
  );
  return { reached: row.reached_gtids, lastFile: last.rows[0]?.file_name ?? null };
}

export async function findSegment(
  db: PoolClient,
  clusterId: string,
  serverKey: string,
  file: string,
  startOffset = 0,
): Promise<SegmentRecord | undefined> {
  const res = await db.query<SegmentRow>(
    `SELECT ${SEGMENT_COLUMNS} FROM binlog_segments WHERE cluster_id = $1 AND server_key = $2 AND file_name = $3 AND start_offset = $4`,
    [clusterId, serverKey, file, startOffset],
  );
  return res.rows[0] && segmentOf(res.rows[0]);
}

/** The newest file of a cluster's stream that the archive holds to its end: its server and name; null before any. */
export async function newestSegmentFile(
  catalog: Catalog,
  tenantId: string,
  clusterId: string,
): Promise<{ serverKey: string; file: string } | null> {
  return catalog.withTenant(tenantId, async (db) => {
    const res = await db.query<{ server_key: string; file_name: string }>(
      'SELECT server_key, file_name FROM binlog_segments WHERE cluster_id = $1 AND closes_file ORDER BY stream_seq DESC LIMIT 1',
      [clusterId],
    );
    const row = res.rows[0];
    return row ? { serverKey: row.server_key, file: row.file_name } : null;
  });
}

/** Where the newest segment of a cluster's stream ends: the file, the offset after it, and whether it closed the file; null before any. */
export async function newestSegmentEnd(catalog: Catalog, tenantId: string, clusterId: string): Promise<SegmentEnd | null> {
  const newest = await newestSegment(catalog, tenantId, clusterId);
  return newest
    ? {
        serverKey: newest.server.key,
        file: newest.file,
        endOffset: newest.startOffset + newest.sizeBytes,
        closesFile: newest.closesFile,
        startOffset: newest.startOffset,
        sha256: newest.sha256,
      }
    : null;
}

/** The newest segment of a cluster's stream (a whole file or a stream's piece), if any. */
export async function newestSegment(catalog: Catalog, tenantId: string, clusterId: string): Promise<SegmentRecord | undefined> {
  return catalog.withTenant(tenantId, async (db) => {
    const res = await db.query<SegmentRow>(
      `SELECT ${SEGMENT_COLUMNS} FROM binlog_segments WHERE cluster_id = $1 ORDER BY stream_seq DESC LIMIT 1`,
      [clusterId],
    );
    return res.rows.map(segmentOf)[0];
  });
}

/** The last segment of a server the stream holds, if any. */
export async function lastSegmentOf(db: PoolClient, clusterId: string, serverKey: string): Promise<SegmentRecord | undefined> {
  const res = await db.query<SegmentRow>(
    `SELECT ${SEGMENT_COLUMNS} FROM binlog_segments WHERE cluster_id = $1 AND server_key = $2 ORDER BY stream_seq DESC LIMIT 1`,
    [clusterId, serverKey],
  );
  return res.rows.map(segmentOf)[0];
}

const timeOf = (t: BinlogTime | null): string | null => (t === null ? null : isoMicros(t.micros));

/** Appends a segment to the stream, with the stream's running figures through it (see migration 0009); the caller holds `lockArchive`. */
export async function insertSegment(db: PoolClient, tenantId: string, clusterId: string, s: NewSegment): Promise<void> {
  await db.query(
    `INSERT INTO binlog_segments (tenant_id, cluster_id, server_key, server_uuid, server_id, file_name, status, previous_gtids, gtids,
       overlap_gtids, reached_gtids, first_gtid, last_gtid, transactions, first_event_at, last_event_at, first_commit_at, last_commit_at,
       size_bytes, sha256, object_key, stored_bytes, stored_sha256, index_key, start_offset, closes_file, archived_through, newest_commit_through)
     SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18::timestamptz, $19, $20, $21, $22, $23, $24, $25, $26,
       coalesce(before.archived_through, 0) + CASE WHEN $7 = 'redundant' THEN 0 ELSE 1 END,
       CASE WHEN $7 = 'redundant' THEN before.newest_commit_through ELSE greatest(before.newest_commit_through, $18::timestamptz) END
     FROM (SELECT NULL) one LEFT JOIN LATERAL (
       SELECT archived_through, newest_commit_through FROM binlog_segments WHERE cluster_id = $2 ORDER BY stream_seq DESC LIMIT 1
     ) before ON true`,
    [
      tenantId,
      clusterId,
      s.server.key,
      s.server.uuid ?? null,
      s.server.id,
      s.file,
      s.status,
      s.previousGtids,
      s.gtids,
      s.overlapGtids,
      s.reachedGtids,
      s.firstGtid,
      s.lastGtid,
      s.transactions,
      timeOf(s.firstEventTime),
      timeOf(s.lastEventTime),
      timeOf(s.firstCommitTime),
      timeOf(s.lastCommitTime),
      s.sizeBytes,
      s.sha256,
      s.objectKey,
      s.storedBytes,
      s.storedSha256,
      s.indexKey,
      s.startOffset,
      s.closesFile,
    ],
  );
}

/** Records a gap once: detecting the same gap again (a retried pass) changes nothing. */
export async function insertGap(db: PoolClient, tenantId: string, clusterId: string, g: NewGap): Promise<void> {
  await db.query(
    `INSERT INTO archive_gaps (tenant_id, cluster_id, server_key, after_file, before_file, missing_from_file, missing_to_file,
       reached_before, missing_gtids, reached_gtids)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (tenant_id, cluster_id, server_key, before_file) DO NOTHING`,
    [
      tenantId,
      clusterId,
      g.serverKey,
      g.afterFile,
      g.beforeFile,
      g.missingFromFile,
      g.missingToFile,
      g.reachedBefore,
      g.missingGtids,
      g.reachedGtids,
    ],
  );
}

/** The catalogued files among `files` of one server, by name. */
export async function catalogedFiles(
  catalog: Catalog,
  tenantId: string,
  clusterId: string,
  serverKey: string,
  files: string[],
): Promise<Map<string, SegmentRecord>> {
  return catalog.withTenant(tenantId, async (db) => {
    const res = await db.query<SegmentRow>(
      `SELECT ${SEGMENT_COLUMNS} FROM binlog_segments WHERE cluster_id = $1 AND server_key = $2 AND file_name = ANY($3)`,
      [clusterId, serverKey, files],
    );
    return new Map(res.rows.map((r) => [r.file_name, segmentOf(r)]));
  });
}

/** Every segment and gap of a cluster's archive, in stream order. */
export async function listArchive(catalog: Catalog, tenantId: string, clusterId: string): Promise<ArchiveEntry[]> {
  return catalog.withTenant(tenantId, (db) => archiveEntries(db, clusterId));
}

/** `listArchive` inside a transaction the caller holds. */
export async function archiveEntries(db: PoolClient, clusterId: string): Promise<ArchiveEntry[]> {
  const segments = await db.query<SegmentRow>(`SELECT ${SEGMENT_COLUMNS} FROM binlog_segments WHERE cluster_id = $1`, [clusterId]);
  const gaps = await db.query<GapRow>(`SELECT *, ${MICROS('detected_at')} FROM archive_gaps WHERE cluster_id = $1`, [clusterId]);
  const entries: ArchiveEntry[] = [
    ...segments.rows.map((r) => ({ kind: 'segment' as const, ...segmentOf(r) })),
    ...gaps.rows.map((r) => ({ kind: 'gap' as const, ...gapOf(r) })),
  ];
  return entries.sort((a, b) => a.streamSeq - b.streamSeq);
}

/** The archived segments of a cluster from stream position `from` through `to`, in stream order. */
export async function archivedSegmentsBetween(db: PoolClient, clusterId: string, from: number, to: number): Promise<SegmentRecord[]> {
  const res = await db.query<SegmentRow>(
    `SELECT ${SEGMENT_COLUMNS} FROM binlog_segments
     WHERE cluster_id = $1 AND status = 'archived' AND stream_seq BETWEEN $2 AND $3 ORDER BY stream_seq`,
    [clusterId, from, to],
  );
  return res.rows.map(segmentOf);
}

/** The archived pieces of `piece`'s file before it, in file order: what a replay of the piece appends it to. */
export async function piecesBefore(db: PoolClient, clusterId: string, piece: SegmentRecord): Promise<SegmentRecord[]> {
  const res = await db.query<SegmentRow>(
    `SELECT ${SEGMENT_COLUMNS} FROM binlog_segments
     WHERE cluster_id = $1 AND server_key = $2 AND file_name = $3 AND start_offset < $4 AND status = 'archived' ORDER BY start_offset`,
    [clusterId, piece.server.key, piece.file, piece.startOffset],
  );
  return res.rows.map(segmentOf);
}

/** Every gap of a cluster's archive, in stream order. */
export async function archiveGaps(db: PoolClient, clusterId: string): Promise<GapRecord[]> {
  const res = await db.query<GapRow>(`SELECT *, ${MICROS('detected_at')} FROM archive_gaps WHERE cluster_id = $1 ORDER BY stream_seq`, [
    clusterId,
  ]);
  return res.rows.map(gapOf);
}

/** The archive as the recoverability computation reads it. */
export function streamEntries(entries: readonly ArchiveEntry[]): StreamEntry[] {
  return entries.map((e): StreamSegment | StreamGap =>
    e.kind === 'segment'
      ? {
          kind: 'segment',
          file: e.file,
          serverKey: e.server.key,
          // An expiring segment may have lost its objects already: no restore replays it.
          status: e.status === 'expiring' ? 'expired' : e.status,
          previousGtids: e.previousGtids,
          reached: e.reachedGtids,
          firstCommitMicros: e.firstCommitAt === null ? null : microsOf(e.firstCommitAt),
          lastCommitMicros: e.lastCommitAt === null ? null : microsOf(e.lastCommitAt),
        }
      : streamGap(e),
  );
}

/** A catalogued gap as the recoverability computation reads it. */
export function streamGap(g: GapRecord): StreamGap {
  return {
    kind: 'gap',
    serverKey: g.serverKey,
    afterFile: g.afterFile,
    beforeFile: g.beforeFile,
    missingFromFile: g.missingFromFile,
    missingToFile: g.missingToFile,
    missing: g.missingGtids,
    reachedBefore: g.reachedBefore,
    reached: g.reachedGtids,
    detectedAt: g.detectedAt,
  };
}

/** Microseconds since the epoch of the newest archived commit of a cluster, or null. */
export async function newestArchivedCommitMicros(catalog: Catalog, tenantId: string, clusterId: string): Promise<number | null> {
  return catalog.withTenant(tenantId, async (db) => {
    const res = await db.query<{ newest_us: string | null }>(
      `SELECT (extract(epoch FROM max(last_commit_at)) * 1000000)::bigint AS newest_us
       FROM binlog_segments WHERE cluster_id = $1 AND status = 'archived'`,
      [clusterId],
    );
    return num(res.rows[0]?.newest_us ?? null);
  });
}
