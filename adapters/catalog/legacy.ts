import type { PoolClient } from 'pg';
import { isoMicros } from '../../domain/archive/recoverable';
import { InvalidInputError } from '../../domain/errors';
import type { Compression } from '../../domain/legacy/object-kind';
import type { LegacyGap, PlacedSegment } from '../../domain/legacy/stream';
import type { Catalog } from './catalog';

export interface LegacySourceRef {
  tenantId: string;
  clusterId: string;
  prefix: string;
}

export interface LegacySource extends LegacySourceRef {
  openedAt: string;
  importedAt: string | null;
  completedAt: string | null;
  completedBy: string | null;
}

/** What is known of an object, to read it only when it is new. */
interface StoredObject {
  objectKey: string;
  etag: string;
  storedBytes: number;
  storedSha256: string;
  compression: Compression;
}

export interface LegacyBackupRecord extends StoredObject {
  engine: 'mysqldump' | 'mariadb-dump';
  gtidExecuted: string;
  sizeBytes: number;
  finishedAt: string;
  completedText: string;
  goneAt: string | null;
}

export interface LegacySegmentRecord extends StoredObject {
  serverKey: string;
  serverId: number;
  file: string;
  previousGtids: string;
  gtids: string;
  firstGtid: string | null;
  lastGtid: string | null;
  transactions: number;
  firstCommitAt: string | null;
  lastCommitAt: string | null;
  sizeBytes: number;
  sha256: string;
  indexKey: string;
  goneAt: string | null;
  streamSeq: number | null;
  status: PlacedSegment['status'] | null;
  reachedGtids: string | null;
}

export type NewLegacyBackup = Omit<LegacyBackupRecord, 'goneAt'>;
export type NewLegacySegment = Omit<LegacySegmentRecord, 'goneAt' | 'streamSeq' | 'status' | 'reachedGtids'>;

export interface LegacyRejection {
  objectKey: string;
  etag: string;
  reason: string;
}

export interface LegacyArchive {
  source: LegacySource;
  backups: LegacyBackupRecord[];
  /** In stream order; objects no longer in storage (`goneAt`) last, unplaced. */
  segments: LegacySegmentRecord[];
  gaps: Array<LegacyGap & { detectedAt: string }>;
  rejected: LegacyRejection[];
}

const micros = (column: string) => `(extract(epoch FROM ${column}) * 1000000)::bigint AS ${column}`;
const iso = (v: string | null): string | null => (v === null ? null : isoMicros(Number(v)));

function sourceOf(r: Record<string, string | null>): LegacySource {
  return {
    tenantId: r.tenant_id!,
    clusterId: r.cluster_id!,
    prefix: r.prefix!,
    openedAt: iso(r.opened_at!)!,
    importedAt: iso(r.imported_at ?? null),
    completedAt: iso(r.completed_at ?? null),
    completedBy: r.completed_by ?? null,
  };
}

const SOURCE_COLUMNS = `tenant_id, cluster_id, prefix, completed_by, ${micros('opened_at')}, ${micros('imported_at')}, ${micros('completed_at')}`;

/** A legacy prefix must not be the product's own, nor contain it, nor lie inside it. */
export function checkLegacyPrefix(prefix: string, productPrefix: string): void {
  if (prefix === '' || !prefix.endsWith('/') || prefix.startsWith('/')) {
    throw new InvalidInputError(`--prefix ${JSON.stringify(prefix)} is not a folder of the bucket`, {
      hint: "give the older system's folder with its trailing slash, e.g. --prefix legacy/",
    });
  }
  if (prefix.startsWith(productPrefix) || productPrefix.startsWith(prefix)) {
    throw new InvalidInputError(`--prefix ${prefix} overlaps the product's own prefix ${productPrefix || '(the whole bucket)'}`, {
      hint: "a legacy source is another system's folder beside the product's own; its objects are never written to",
    });
  }
}

/** Opens the migration of a prefix on its first import; an import of a completed migration is refused. */
export async function openLegacySource(db: PoolClient, ref: LegacySourceRef): Promise<LegacySource> {
  await db.query('INSERT INTO legacy_sources (tenant_id, cluster_id, prefix) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [
    ref.tenantId,
    ref.clusterId,
    ref.prefix,
  ]);
  const res = await db.query(`SELECT ${SOURCE_COLUMNS} FROM legacy_sources WHERE cluster_id = $1 AND prefix = $2 FOR UPDATE`, [
    ref.clusterId,
    ref.prefix,
  ]);
  const source = sourceOf(res.rows[0]);
  if (source.completedAt !== null) {
    throw new InvalidInputError(
      `the migration from ${ref.prefix} of ${ref.tenantId}/${ref.clusterId} was completed at ${source.completedAt} by ${source.completedBy}`,
      {
        hint: 'a completed migration is closed: its legacy prefix follows its own retention and is no longer imported',
      },
    );
  }
  return source;
}

export async function getLegacySource(db: PoolClient, ref: LegacySourceRef): Promise<LegacySource> {
  const res = await db.query(`SELECT ${SOURCE_COLUMNS} FROM legacy_sources WHERE cluster_id = $1 AND prefix = $2`, [
    ref.clusterId,
    ref.prefix,
  ]);
  if (res.rows.length === 0) {
    throw new InvalidInputError(`nothing was imported from ${ref.prefix} for ${ref.tenantId}/${ref.clusterId}`, {
      hint: `run \`pitr legacy import --tenant ${ref.tenantId} --cluster ${ref.clusterId} --prefix ${ref.prefix}\` first`,
    });
  }
  return sourceOf(res.rows[0]);
}

const OBJECT_COLUMNS = 'object_key, etag, stored_bytes, stored_sha256, compression';
const BACKUP_COLUMNS = `${OBJECT_COLUMNS}, engine, gtid_executed, size_bytes, completed_text, ${micros('finished_at')}, ${micros('gone_at')}`;
const SEGMENT_COLUMNS = `${OBJECT_COLUMNS}, server_key, server_id, file_name, previous_gtids, gtids, first_gtid, last_gtid, transactions,
  size_bytes, sha256, index_key, stream_seq, status, reached_gtids, ${micros('first_commit_at')}, ${micros('last_commit_at')}, ${micros('gone_at')}`;

type Row = Record<string, string | null>;

function objectOf(r: Row): StoredObject {
  return {
    objectKey: r.object_key!,
    etag: r.etag!,
    storedBytes: Number(r.stored_bytes),
    storedSha256: r.stored_sha256!,
    compression: r.compression as Compression,
  };
}

function backupOf(r: Row): LegacyBackupRecord {
  return {
    ...objectOf(r),
    engine: r.engine as LegacyBackupRecord['engine'],
    gtidExecuted: r.gtid_executed!,
    sizeBytes: Number(r.size_bytes),
    finishedAt: iso(r.finished_at!)!,
    completedText: r.completed_text!,
    goneAt: iso(r.gone_at ?? null),
  };
}

function segmentOf(r: Row): LegacySegmentRecord {
  return {
    ...objectOf(r),
    serverKey: r.server_key!,
    serverId: Number(r.server_id),
    file: r.file_name!,
    previousGtids: r.previous_gtids!,
    gtids: r.gtids!,
    firstGtid: r.first_gtid ?? null,
    lastGtid: r.last_gtid ?? null,
    transactions: Number(r.transactions),
    firstCommitAt: iso(r.first_commit_at ?? null),
    lastCommitAt: iso(r.last_commit_at ?? null),
    sizeBytes: Number(r.size_bytes),
    sha256: r.sha256!,
    indexKey: r.index_key!,
    goneAt: iso(r.gone_at ?? null),
    streamSeq: r.stream_seq === null || r.stream_seq === undefined ? null : Number(r.stream_seq),
    status: (r.status ?? null) as LegacySegmentRecord['status'],
    reachedGtids: r.reached_gtids ?? null,
  };
}

/** Everything indexed from a legacy prefix. */
export async function readLegacyArchive(db: PoolClient, ref: LegacySourceRef): Promise<LegacyArchive> {
  const source = await getLegacySource(db, ref);
  const args = [ref.clusterId, ref.prefix];
  const backups = await db.query<Row>(
    `SELECT ${BACKUP_COLUMNS} FROM legacy_backups WHERE cluster_id = $1 AND prefix = $2 ORDER BY finished_at`,
    args,
  );
  const segments = await db.query<Row>(
    `SELECT ${SEGMENT_COLUMNS} FROM legacy_segments WHERE cluster_id = $1 AND prefix = $2 ORDER BY stream_seq NULLS LAST, object_key`,
    args,
  );
  const gaps = await db.query<Row>(
    `SELECT stream_seq, server_key, after_file, before_file, reached_before, missing_gtids, reached_gtids, ${micros('detected_at')}
     FROM legacy_gaps WHERE cluster_id = $1 AND prefix = $2 ORDER BY stream_seq`,
    args,
  );
  const rejected = await db.query<Row>(
    'SELECT object_key, etag, reason FROM legacy_rejected WHERE cluster_id = $1 AND prefix = $2 ORDER BY object_key',
    args,
  );
  return {
    source,
    backups: backups.rows.map(backupOf),
    segments: segments.rows.map(segmentOf),
    gaps: gaps.rows.map((g) => ({
      seq: Number(g.stream_seq),
      serverKey: g.server_key!,
      afterFile: g.after_file ?? null,
      beforeFile: g.before_file!,
      reachedBefore: g.reached_before!,
      missing: g.missing_gtids!,
      reached: g.reached_gtids!,
      detectedAt: iso(g.detected_at!)!,
    })),
    rejected: rejected.rows.map((r) => ({ objectKey: r.object_key!, etag: r.etag!, reason: r.reason! })),
  };
}

export async function loadLegacyArchive(catalog: Catalog, ref: LegacySourceRef): Promise<LegacyArchive> {
  return catalog.withTenant(ref.tenantId, (db) => readLegacyArchive(db, ref));
}

/** Records a backup once: an import that indexed it already changes nothing. */
export async function insertLegacyBackup(db: PoolClient, ref: LegacySourceRef, b: NewLegacyBackup): Promise<void> {
  await db.query(
    `INSERT INTO legacy_backups (tenant_id, cluster_id, prefix, object_key, etag, stored_bytes, stored_sha256, compression, engine, gtid_executed,
       size_bytes, finished_at, completed_text)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT DO NOTHING`,
    [
      ref.tenantId,
      ref.clusterId,
      ref.prefix,
      b.objectKey,
      b.etag,
      b.storedBytes,
      b.storedSha256,
      b.compression,
      b.engine,
      b.gtidExecuted,
      b.sizeBytes,
      b.finishedAt,
      b.completedText,
    ],
  );
}

export async function insertLegacySegment(db: PoolClient, ref: LegacySourceRef, s: NewLegacySegment): Promise<void> {
  await db.query(
    `INSERT INTO legacy_segments (tenant_id, cluster_id, prefix, object_key, etag, stored_bytes, stored_sha256, compression, server_key, server_id,
       file_name, previous_gtids, gtids, first_gtid, last_gtid, transactions, first_commit_at, last_commit_at, size_bytes, sha256, index_key)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21) ON CONFLICT DO NOTHING`,
    [
      ref.tenantId,
      ref.clusterId,
      ref.prefix,
      s.objectKey,
      s.etag,
      s.storedBytes,
      s.storedSha256,
      s.compression,
      s.serverKey,
      s.serverId,
      s.file,
      s.previousGtids,
      s.gtids,
      s.firstGtid,
      s.lastGtid,
      s.transactions,
      s.firstCommitAt,
      s.lastCommitAt,
      s.sizeBytes,
      s.sha256,
      s.indexKey,
    ],
  );
}

/** Marks what storage no longer lists as gone (and what reappeared as present again). */
export async function markListed(db: PoolClient, ref: LegacySourceRef, listed: readonly string[]): Promise<void> {
  for (const table of ['legacy_backups', 'legacy_segments']) {
    await db.query(
      `UPDATE ${table} SET gone_at = CASE WHEN object_key = ANY($3) THEN NULL ELSE coalesce(gone_at, now()) END
       WHERE cluster_id = $1 AND prefix = $2`,
      [ref.clusterId, ref.prefix, listed],
    );
  }
}

/** Replaces the stream's placement and gaps with what this import found. */
export async function replaceLegacyStream(
  db: PoolClient,
  ref: LegacySourceRef,
  placed: readonly PlacedSegment[],
  gaps: readonly LegacyGap[],
): Promise<void> {
  await db.query(
    'UPDATE legacy_segments SET stream_seq = NULL, status = NULL, reached_gtids = NULL WHERE cluster_id = $1 AND prefix = $2',
    [ref.clusterId, ref.prefix],
  );
  for (const p of placed) {
    await db.query(
      'UPDATE legacy_segments SET stream_seq = $3, status = $4, reached_gtids = $5 WHERE cluster_id = $1 AND prefix = $2 AND object_key = $6',
      [ref.clusterId, ref.prefix, p.seq, p.status, p.reached, p.objectKey],
    );
  }
  const recorded = (await readLegacyArchive(db, ref)).gaps.map(({ detectedAt: _detectedAt, ...g }) => g);
  // The same gaps found again keep the time they were first detected.
  if (JSON.stringify(recorded) === JSON.stringify(gaps)) return;
  await db.query('DELETE FROM legacy_gaps WHERE cluster_id = $1 AND prefix = $2', [ref.clusterId, ref.prefix]);
  for (const g of gaps) {
    await db.query(
      `INSERT INTO legacy_gaps (tenant_id, cluster_id, prefix, stream_seq, server_key, after_file, before_file, reached_before, missing_gtids, reached_gtids)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [ref.tenantId, ref.clusterId, ref.prefix, g.seq, g.serverKey, g.afterFile, g.beforeFile, g.reachedBefore, g.missing, g.reached],
    );
  }
}

export async function replaceLegacyRejections(db: PoolClient, ref: LegacySourceRef, rejected: readonly LegacyRejection[]): Promise<void> {
  await db.query('DELETE FROM legacy_rejected WHERE cluster_id = $1 AND prefix = $2', [ref.clusterId, ref.prefix]);
  for (const r of rejected) {
    await db.query(
      'INSERT INTO legacy_rejected (tenant_id, cluster_id, prefix, object_key, etag, reason) VALUES ($1, $2, $3, $4, $5, $6)',
      [ref.tenantId, ref.clusterId, ref.prefix, r.objectKey, r.etag, r.reason],
    );
  }
  await db.query('UPDATE legacy_sources SET imported_at = now() WHERE cluster_id = $1 AND prefix = $2', [ref.clusterId, ref.prefix]);
}

/** Closes a migration: from now on the legacy prefix follows its own retention. */
export async function completeLegacySource(catalog: Catalog, ref: LegacySourceRef, by: string): Promise<LegacySource> {
  return catalog.withTenant(ref.tenantId, async (db) => {
    const source = await getLegacySource(db, ref);
    if (source.completedAt !== null) return source;
    await db.query('UPDATE legacy_sources SET completed_at = now(), completed_by = $3 WHERE cluster_id = $1 AND prefix = $2', [
      ref.clusterId,
      ref.prefix,
      by,
    ]);
    return getLegacySource(db, ref);
  });
}

/** The prefixes of a cluster whose migration is open: no object under them may be expired, moved or "repaired". */
export async function openLegacyPrefixes(catalog: Catalog, tenantId: string, clusterId: string): Promise<string[]> {
  return catalog.withTenant(tenantId, async (db) => {
    const res = await db.query<{ prefix: string }>(
      'SELECT prefix FROM legacy_sources WHERE cluster_id = $1 AND completed_at IS NULL ORDER BY prefix',
      [clusterId],
    );
    return res.rows.map((r) => r.prefix);
  });
}

/** Whether an object lies under a legacy prefix of the cluster whose migration is still open. */
export async function underOpenMigration(catalog: Catalog, tenantId: string, clusterId: string, objectKey: string): Promise<boolean> {
  return (await openLegacyPrefixes(catalog, tenantId, clusterId)).some((prefix) => objectKey.startsWith(prefix));
}
