import type { PoolClient } from 'pg';
import type { BackupRef, Coordinate, EngineName, Flavor } from '../../domain/backup';
import { PitrError } from '../../domain/errors';
import type { PlanBackup } from '../../domain/restore/plan';
import type { Catalog } from './catalog';

/** `expiring`/`expired`: a completed backup retention removes (or removed); the row stays as history. */
export type BackupStatus = 'completed' | 'failed' | 'quarantined' | 'expiring' | 'expired';

export interface BackupRecord {
  tenantId: string;
  clusterId: string;
  backupId: string;
  complianceTier: string;
  engine: EngineName;
  flavor: Flavor;
  status: BackupStatus;
  coordinate: Coordinate | undefined;
  artifactKey: string | undefined;
  manifestKey: string | undefined;
  sizeBytes: number | undefined;
  storedSha256: string | undefined;
  failurePhase: string | undefined;
  failureReason: string | undefined;
  startedAt: string;
  finishedAt: string;
  /** When verification read the whole artifact back and it matched its signed manifest. */
  verifiedAt: string | undefined;
  /** The source's `@@version`, as the backup's manifest records it. */
  serverVersion: string | undefined;
}

export class BackupConflictError extends PitrError {
  constructor(backupId: string, existing: string, incoming: string) {
    super(`backup ${backupId} is already registered with checksum ${existing}, not ${incoming}`, {
      hint: 'two different artifacts claim the same backup id; inspect both before trusting either',
      terminal: true,
    });
  }
}

export interface CompletedBackup {
  ref: BackupRef;
  complianceTier: string;
  flavor: Flavor;
  coordinate: Coordinate;
  artifactKey: string;
  manifestKey: string;
  sizeBytes: number;
  storedSha256: string;
  manifest: unknown;
  startedAt: string;
}

/**
 * Inserts the catalog row of a completed backup exactly once: a retried registration of the
 * same artifact is a no-op (returns false); a different artifact under the same id is refused.
 */
export async function insertCompletedBackup(catalog: Catalog, b: CompletedBackup): Promise<boolean> {
  return catalog.withTenant(b.ref.tenantId, async (db) => {
    const inserted = await db.query(
      `INSERT INTO backups (tenant_id, cluster_id, backup_id, compliance_tier, workflow_id, engine, flavor, status,
         gtid_executed, binlog_file, binlog_position, artifact_key, manifest_key, size_bytes, stored_sha256, manifest, started_at)
       VALUES ($1, $2, $3, $4, $3, $5, $6, 'completed', $7, $8, $9, $10, $11, $12, $13, $14, $15)
       ON CONFLICT (tenant_id, cluster_id, backup_id) DO NOTHING`,
      [
        b.ref.tenantId,
        b.ref.clusterId,
        b.ref.backupId,
        b.complianceTier,
        b.ref.engine,
        b.flavor,
        b.coordinate.gtidExecuted,
        b.coordinate.binlogFile,
        b.coordinate.binlogPosition,
        b.artifactKey,
        b.manifestKey,
        b.sizeBytes,
        b.storedSha256,
        JSON.stringify(b.manifest),
        b.startedAt,
      ],
    );
    if (inserted.rowCount === 1) return true;
    const existing = await backupRow(db, b.ref);
    if (existing?.stored_sha256 !== b.storedSha256) {
      throw new BackupConflictError(b.ref.backupId, existing?.stored_sha256 ?? '(none)', b.storedSha256);
    }
    return false;
  });
}

async function backupRow(db: PoolClient, ref: { tenantId: string; clusterId: string; backupId: string }) {
  const res = await db.query<BackupRow>('SELECT * FROM backups WHERE tenant_id = $1 AND cluster_id = $2 AND backup_id = $3', [
    ref.tenantId,
    ref.clusterId,
    ref.backupId,
  ]);
  return res.rows[0];
}

export interface FailedBackup {
  ref: BackupRef;
  complianceTier: string;
  flavor: Flavor;
  status: 'failed' | 'quarantined';
  phase: string;
  reason: string;
  startedAt: string;
}

/** Records a failed or quarantined backup; a completed row is only ever moved to quarantined, an expired one never. */
export async function recordFailedBackup(catalog: Catalog, f: FailedBackup): Promise<void> {
  await catalog.withTenant(f.ref.tenantId, (db) =>
    db.query(
      `INSERT INTO backups (tenant_id, cluster_id, backup_id, compliance_tier, workflow_id, engine, flavor, status,
         failure_phase, failure_reason, started_at)
       VALUES ($1, $2, $3, $4, $3, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (tenant_id, cluster_id, backup_id) DO UPDATE SET
         status = EXCLUDED.status, failure_phase = EXCLUDED.failure_phase,
         failure_reason = EXCLUDED.failure_reason, finished_at = now()
       WHERE (backups.status <> 'completed' OR EXCLUDED.status = 'quarantined') AND backups.status NOT IN ('expiring', 'expired')`,
      [f.ref.tenantId, f.ref.clusterId, f.ref.backupId, f.complianceTier, f.ref.engine, f.flavor, f.status, f.phase, f.reason, f.startedAt],
    ),
  );
}

interface BackupRow {
  tenant_id: string;
  cluster_id: string;
  backup_id: string;
  compliance_tier: string;
  engine: EngineName;
  flavor: Flavor;
  status: BackupStatus;
  gtid_executed: string | null;
  binlog_file: string | null;
  binlog_position: string | null;
  artifact_key: string | null;
  manifest_key: string | null;
  size_bytes: string | null;
  stored_sha256: string | null;
  failure_phase: string | null;
  failure_reason: string | null;
  started_at: Date;
  finished_at: Date;
  verified_at: Date | null;
  manifest: { serverVersion?: unknown } | null;
}

const opt = <T>(v: T | null): T | undefined => (v === null ? undefined : v);

function fromRow(r: BackupRow): BackupRecord {
  return {
    tenantId: r.tenant_id,
    clusterId: r.cluster_id,
    backupId: r.backup_id,
    complianceTier: r.compliance_tier,
    engine: r.engine,
    flavor: r.flavor,
    status: r.status,
    coordinate:
      r.gtid_executed === null
        ? undefined
        : {
            gtidExecuted: r.gtid_executed,
            gtidPurged: '',
            binlogFile: r.binlog_file ?? '',
            binlogPosition: Number(r.binlog_position ?? 0),
            source: 'catalog',
          },
    artifactKey: opt(r.artifact_key),
    manifestKey: opt(r.manifest_key),
    sizeBytes: r.size_bytes === null ? undefined : Number(r.size_bytes),
    storedSha256: opt(r.stored_sha256),
    failurePhase: opt(r.failure_phase),
    failureReason: opt(r.failure_reason),
    startedAt: r.started_at.toISOString(),
    finishedAt: r.finished_at.toISOString(),
    verifiedAt: r.verified_at?.toISOString(),
    serverVersion: typeof r.manifest?.serverVersion === 'string' ? r.manifest.serverVersion : undefined,
  };
}

export async function listBackups(catalog: Catalog, tenantId: string, clusterId: string): Promise<BackupRecord[]> {
  return catalog.withTenant(tenantId, (db) => backupRecords(db, clusterId));
}

/** `listBackups` inside a transaction the caller holds. */
export async function backupRecords(db: PoolClient, clusterId: string): Promise<BackupRecord[]> {
  return (await db.query<BackupRow>('SELECT * FROM backups WHERE cluster_id = $1 ORDER BY finished_at DESC', [clusterId])).rows.map(
    fromRow,
  );
}

/** The backups planning reads: completed ones to restore from, and when expired ones had finished. */
export interface PlanningBackups {
  completed: PlanBackup[];
  expired: { backupId: string; finishedAt: string }[];
}

/** `PlanningBackups` of a cluster, without the manifests or failures that planning does not read. */
export async function planningBackups(db: PoolClient, clusterId: string): Promise<PlanningBackups> {
  const res = await db.query<
    Pick<
      BackupRow,
      'backup_id' | 'engine' | 'status' | 'gtid_executed' | 'artifact_key' | 'manifest_key' | 'size_bytes' | 'stored_sha256' | 'finished_at'
    > & {
      server_version: string | null;
    }
  >(
    `SELECT backup_id, engine, status, gtid_executed, artifact_key, manifest_key, size_bytes, stored_sha256, finished_at,
       CASE WHEN jsonb_typeof(manifest -> 'serverVersion') = 'string' THEN manifest ->> 'serverVersion' END AS server_version
     FROM backups WHERE cluster_id = $1 AND status IN ('completed', 'expiring', 'expired') ORDER BY finished_at DESC`,
    [clusterId],
  );
  const planning: PlanningBackups = { completed: [], expired: [] };
  for (const r of res.rows) {
    const finishedAt = r.finished_at.toISOString();
    if (r.status !== 'completed') planning.expired.push({ backupId: r.backup_id, finishedAt });
    else if (r.gtid_executed !== null && r.artifact_key && r.manifest_key && r.stored_sha256) {
      planning.completed.push({
        backupId: r.backup_id,
        gtidExecuted: r.gtid_executed,
        finishedAt,
        engine: r.engine,
        artifactKey: r.artifact_key,
        manifestKey: r.manifest_key,
        storedSha256: r.stored_sha256,
        ...(r.size_bytes === null ? {} : { sizeBytes: Number(r.size_bytes) }),
        ...(r.server_version === null ? {} : { serverVersion: r.server_version }),
      });
    }
  }
  return planning;
}

/** Records that verification read the whole artifact back and it matched its signed manifest. */
export async function markBackupVerified(catalog: Catalog, ref: { tenantId: string; clusterId: string; backupId: string }): Promise<void> {
  await catalog.withTenant(ref.tenantId, (db) =>
    db.query(
      `UPDATE backups SET verified_at = now() WHERE cluster_id = $1 AND backup_id = $2 AND status = 'completed' AND verified_at IS NULL`,
      [ref.clusterId, ref.backupId],
    ),
  );
}
