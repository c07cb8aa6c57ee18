import type { PoolClient } from 'pg';
import type { Flavor } from '../../domain/backup';
import { PitrError } from '../../domain/errors';
import { segmentId, type RetentionEntry, type RetentionInput, type SegmentRef } from '../../domain/retention/expiry';
import { effectivePolicy, type RetentionOverrides } from '../../domain/retention/policy';
import { backupRecords, type BackupRecord } from './backups';
import type { Catalog } from './catalog';
import { ClusterNotFoundError } from './clusters';
import { archiveEntries, streamEntries, type ArchiveEntry } from './segments';

/** A hold was asked for an artifact retention is removing or removed. */
export class ArtifactExpiredError extends PitrError {}

/**
 * Serialises holds and expiry of one cluster for the rest of the transaction: a hold never
 * lands on an artifact being marked expiring, and expiry always sees every committed hold.
 */
export async function lockRetention(db: PoolClient, tenantId: string, clusterId: string): Promise<void> {
  await db.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`retention/${tenantId}/${clusterId}`]);
}

export interface ClusterRetention {
  flavor: Flavor;
  complianceTier: string;
  overrides: RetentionOverrides;
}

interface ClusterRetentionRow {
  flavor: Flavor;
  compliance_tier: string;
  keep_backups: number | null;
  keep_days: number | null;
}

const retentionOf = (r: ClusterRetentionRow): ClusterRetention => ({
  flavor: r.flavor,
  complianceTier: r.compliance_tier,
  overrides: { keepBackups: r.keep_backups, keepDays: r.keep_days },
});

async function clusterRetention(db: PoolClient, tenantId: string, clusterId: string): Promise<ClusterRetention> {
  const res = await db.query<ClusterRetentionRow>(
    'SELECT flavor, compliance_tier, keep_backups, keep_days FROM clusters WHERE cluster_id = $1',
    [clusterId],
  );
  if (!res.rows[0]) throw new ClusterNotFoundError(tenantId, clusterId);
  return retentionOf(res.rows[0]);
}

/** Sets the rules given; a rule left out keeps its current setting. */
export async function setRetentionOverrides(
  catalog: Catalog,
  tenantId: string,
  clusterId: string,
  overrides: Partial<RetentionOverrides>,
): Promise<ClusterRetention> {
  const res = await catalog.withTenant(tenantId, (db) =>
    db.query<ClusterRetentionRow>(
      `UPDATE clusters SET keep_backups = CASE WHEN $2 THEN $3::integer ELSE keep_backups END, keep_days = CASE WHEN $4 THEN $5::integer ELSE keep_days END
       WHERE cluster_id = $1 RETURNING flavor, compliance_tier, keep_backups, keep_days`,
      [clusterId, 'keepBackups' in overrides, overrides.keepBackups ?? null, 'keepDays' in overrides, overrides.keepDays ?? null],
    ),
  );
  if (!res.rows[0]) throw new ClusterNotFoundError(tenantId, clusterId);
  return retentionOf(res.rows[0]);
}

export interface ActiveHold {
  holder: string;
  kind: 'backup' | 'segment';
  artifactId: string;
  heldAt: string;
}

async function activeHolds(db: PoolClient, clusterId: string): Promise<ActiveHold[]> {
  const res = await db.query<{ holder: string; artifact_kind: 'backup' | 'segment'; artifact_id: string; held_at: Date }>(
    'SELECT holder, artifact_kind, artifact_id, held_at FROM artifact_holds WHERE cluster_id = $1 AND released_at IS NULL ORDER BY held_at',
    [clusterId],
  );
  return res.rows.map((r) => ({ holder: r.holder, kind: r.artifact_kind, artifactId: r.artifact_id, heldAt: r.held_at.toISOString() }));
}

/** Everything expiry decides from, read in one transaction. */
export interface RetentionState {
  cluster: ClusterRetention;
  input: RetentionInput;
  backups: BackupRecord[];
  archive: ArchiveEntry[];
  holds: ActiveHold[];
}

export async function retentionState(db: PoolClient, tenantId: string, clusterId: string, now: Date): Promise<RetentionState> {
  const cluster = await clusterRetention(db, tenantId, clusterId);
  const backups = await backupRecords(db, clusterId);
  const archive = await archiveEntries(db, clusterId);
  const holds = await activeHolds(db, clusterId);
  const entries = streamEntries(archive).map(
    (e, i): RetentionEntry => (e.kind === 'gap' ? e : { ...e, status: (archive[i] as Extract<ArchiveEntry, { kind: 'segment' }>).status }),
  );
  const heldSegments = new Set(holds.filter((h) => h.kind === 'segment').map((h) => h.artifactId));
  const input: RetentionInput = {
    flavor: cluster.flavor,
    policy: effectivePolicy(cluster.complianceTier, cluster.overrides),
    backups: backups.map((b) => ({
      backupId: b.backupId,
      status: b.status,
      gtidExecuted: b.coordinate?.gtidExecuted ?? null,
      finishedAt: b.finishedAt,
      verified: b.verifiedAt !== undefined,
    })),
    entries,
    holds: {
      backups: holds.filter((h) => h.kind === 'backup').map((h) => h.artifactId),
      segments: entries
        .filter((e): e is Extract<RetentionEntry, { kind: 'segment' }> => e.kind === 'segment' && heldSegments.has(segmentId(e)))
        .map((e) => ({ serverKey: e.serverKey, file: e.file })),
    },
    nowMicros: now.getTime() * 1000,
  };
  return { cluster, input, backups, archive, holds };
}

export async function loadRetentionState(catalog: Catalog, tenantId: string, clusterId: string, now = new Date()): Promise<RetentionState> {
  return catalog.withTenant(tenantId, (db) => retentionState(db, tenantId, clusterId, now));
}

export interface HoldRequest {
  tenantId: string;
  clusterId: string;
  /** The workflow id of the restore or verification. */
  holder: string;
  backupIds: string[];
  segments: SegmentRef[];
}

/** Holds artifacts for a reader; refused if any is expiring or expired. Holding again changes nothing. */
export async function holdArtifacts(catalog: Catalog, h: HoldRequest): Promise<void> {
  const segmentIds = h.segments.map(segmentId);
  await catalog.withTenant(h.tenantId, async (db) => {
    await lockRetention(db, h.tenantId, h.clusterId);
    const gone = await db.query<{ artifact: string }>(
      `SELECT 'backup ' || backup_id AS artifact FROM backups WHERE cluster_id = $1 AND backup_id = ANY($2) AND status IN ('expiring', 'expired')
       UNION ALL
       SELECT 'binlog ' || server_key || '/' || file_name FROM binlog_segments WHERE cluster_id = $1 AND server_key || '/' || file_name = ANY($3) AND status IN ('expiring', 'expired')`,
      [h.clusterId, h.backupIds, segmentIds],
    );
    if (gone.rows.length > 0) {
      throw new ArtifactExpiredError(
        `${gone.rows.map((r) => r.artifact).join(', ')} of ${h.tenantId}/${h.clusterId} expired by retention after ${h.holder} chose it`,
        {
          hint: 'start it again: it plans from the backups and binlogs retention keeps',
          terminal: true,
        },
      );
    }
    await db.query(
      `INSERT INTO artifact_holds (tenant_id, cluster_id, holder, artifact_kind, artifact_id)
       SELECT $1, $2, $3, kind, id FROM (SELECT 'backup' AS kind, unnest($4::text[]) AS id UNION ALL SELECT 'segment', unnest($5::text[])) wanted
       ON CONFLICT DO NOTHING`,
      [h.tenantId, h.clusterId, h.holder, h.backupIds, segmentIds],
    );
  });
}

/** The workflows holding artifacts of a cluster now. */
export async function holders(catalog: Catalog, tenantId: string, clusterId: string): Promise<string[]> {
  const holds = await catalog.withTenant(tenantId, (db) => activeHolds(db, clusterId));
  return [...new Set(holds.map((h) => h.holder))];
}

export async function releaseHolds(catalog: Catalog, r: { tenantId: string; clusterId: string; holder: string }): Promise<void> {
  await catalog.withTenant(r.tenantId, (db) =>
    db.query('UPDATE artifact_holds SET released_at = now() WHERE cluster_id = $1 AND holder = $2 AND released_at IS NULL', [
      r.clusterId,
      r.holder,
    ]),
  );
}

/** The objects of the artifacts left `expiring`: deleted before the rows are marked expired. */
export interface ExpiringArtifacts {
  backups: Array<{ backupId: string; objectKeys: string[] }>;
  segments: Array<SegmentRef & { objectKeys: string[] }>;
}

/** Marks completed backups and archived segments expiring (others are left as they are), then lists everything expiring. */
export async function markExpiring(
  db: PoolClient,
  clusterId: string,
  chosen: { backups: string[]; segments: SegmentRef[] },
): Promise<ExpiringArtifacts> {
  await db.query(`UPDATE backups SET status = 'expiring' WHERE cluster_id = $1 AND status = 'completed' AND backup_id = ANY($2)`, [
    clusterId,
    chosen.backups,
  ]);
  await db.query(
    `UPDATE binlog_segments SET status = 'expiring' WHERE cluster_id = $1 AND status = 'archived' AND server_key || '/' || file_name = ANY($2)`,
    [clusterId, chosen.segments.map(segmentId)],
  );
  const backups = await db.query<{ backup_id: string; artifact_key: string | null; manifest_key: string | null }>(
    `SELECT backup_id, artifact_key, manifest_key FROM backups WHERE cluster_id = $1 AND status = 'expiring' ORDER BY finished_at`,
    [clusterId],
  );
  const segments = await db.query<{ server_key: string; file_name: string; object_key: string; index_key: string }>(
    `SELECT server_key, file_name, object_key, index_key FROM binlog_segments WHERE cluster_id = $1 AND status = 'expiring' ORDER BY stream_seq`,
    [clusterId],
  );
  const keys = (...k: Array<string | null>) => k.filter((x): x is string => x !== null);
  return {
    backups: backups.rows.map((r) => ({ backupId: r.backup_id, objectKeys: keys(r.artifact_key, r.manifest_key) })),
    segments: segments.rows.map((r) => ({ serverKey: r.server_key, file: r.file_name, objectKeys: keys(r.object_key, r.index_key) })),
  };
}

/** Forgets expiring artifacts whose objects are gone: they stay on record as expired. */
export async function markExpired(
  catalog: Catalog,
  tenantId: string,
  clusterId: string,
  gone: { backups: string[]; segments: SegmentRef[] },
): Promise<void> {
  await catalog.withTenant(tenantId, async (db) => {
    await db.query(
      `UPDATE backups SET status = 'expired', expired_at = now() WHERE cluster_id = $1 AND status = 'expiring' AND backup_id = ANY($2)`,
      [clusterId, gone.backups],
    );
    await db.query(
      `UPDATE binlog_segments SET status = 'expired', expired_at = now() WHERE cluster_id = $1 AND status = 'expiring' AND server_key || '/' || file_name = ANY($2)`,
      [clusterId, gone.segments.map(segmentId)],
    );
  });
}
