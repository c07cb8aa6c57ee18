import { describeTarget } from '../../domain/restore/target';
import type { RestoreOutcome } from '../../domain/restore/workflow-types';
import type { Catalog } from './catalog';

const FOREIGN_KEY_VIOLATION = '23503';

/**
 * Inserts a restore's outcome once: a retried insert of the same restore changes nothing and
 * returns false. A restore of a cluster the catalog does not know has no row to hang on: its
 * failure (the cluster is not registered) stays the workflow's, not a record that can never be
 * written.
 */
export async function insertRestoreOutcome(catalog: Catalog, o: RestoreOutcome): Promise<boolean> {
  const inserted = await catalog
    .withTenant(o.tenantId, (db) =>
      db.query(
        `INSERT INTO restores (tenant_id, cluster_id, restore_id, target, status, backup_id, applied_through, through_commit_at,
         failure, started_at, duration_ms)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (tenant_id, cluster_id, restore_id) DO NOTHING`,
        [
          o.tenantId,
          o.clusterId,
          o.restoreId,
          describeTarget(o.target),
          o.status,
          o.backupId,
          o.appliedThrough,
          o.throughCommit,
          o.failure,
          o.startedAt,
          o.durationMs,
        ],
      ),
    )
    .catch((err: unknown) => {
      if ((err as { code?: string }).code === FOREIGN_KEY_VIOLATION) return undefined;
      throw err;
    });
  return inserted?.rowCount === 1;
}

export interface RestoreRecord {
  restoreId: string;
  target: string;
  status: string;
  backupId: string | null;
  appliedThrough: string | null;
  failure: string | null;
}

export async function listRestores(catalog: Catalog, tenantId: string, clusterId: string): Promise<RestoreRecord[]> {
  return catalog.withTenant(tenantId, async (db) => {
    const res = await db.query<{
      restore_id: string;
      target: string;
      status: string;
      backup_id: string | null;
      applied_through: string | null;
      failure: string | null;
    }>('SELECT restore_id, target, status, backup_id, applied_through, failure FROM restores WHERE cluster_id = $1 ORDER BY recorded_at', [
      clusterId,
    ]);
    return res.rows.map((r) => ({
      restoreId: r.restore_id,
      target: r.target,
      status: r.status,
      backupId: r.backup_id,
      appliedThrough: r.applied_through,
      failure: r.failure,
    }));
  });
}
