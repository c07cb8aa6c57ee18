import type { PoolClient } from 'pg';
import { PitrError } from '../../domain/errors';
import type { Catalog } from '../catalog/catalog';
import { quarantineKey, quarantineReasonKey, tenantKeyRecordKey } from '../storage/layout';
import type { Ownership } from './classify';

/** What one tenant's catalog rows account for in object storage. */
export interface TenantOwnership {
  owners: Ownership[];
  /** Prefixes of the tenant's legacy sources: another system's archive, never ours to judge. */
  protectedPrefixes: string[];
}

/**
 * Every tenant the catalog knows, across row-level security: `pitr_catalog_tenants()`
 * (migration 0006) returns only the ids. The session's tenant is irrelevant to it, so an
 * empty one is set, under which every table reads as empty.
 */
export async function catalogTenants(catalog: Catalog): Promise<string[]> {
  try {
    return await catalog.withTenant('', async (db) =>
      (await db.query<{ tenant: string }>('SELECT t AS tenant FROM pitr_catalog_tenants() AS t')).rows.map((r) => r.tenant),
    );
  } catch (err) {
    if (err instanceof PitrError) throw err;
    throw new PitrError(`the catalog cannot list its tenants: ${(err as Error).message}`, {
      hint: 'run `pitr catalog migrate` (migration 0006 adds pitr_catalog_tenants(), owned by a role that bypasses row-level security); meanwhile check tenant by tenant with --tenant',
      cause: err,
    });
  }
}

interface BackupKeysRow {
  cluster_id: string;
  backup_id: string;
  status: string;
  artifact_key: string | null;
  manifest_key: string | null;
}

interface SegmentKeysRow {
  cluster_id: string;
  server_key: string;
  file_name: string;
  status: string;
  object_key: string | null;
  index_key: string | null;
}

async function tableExists(db: PoolClient, table: string): Promise<boolean> {
  const res = await db.query<{ found: boolean }>('SELECT to_regclass($1) IS NOT NULL AS found', [`public.${table}`]);
  return res.rows[0]!.found;
}

/**
 * The objects a tenant's rows own, and which of them must exist: a completed backup's
 * artifact and manifest, an archived segment and its index. Rows in other states (failed,
 * retention's expiring or expired, redundant) still own whatever they name but need none of
 * it. A quarantined backup owns its artifact's copy under the quarantine folder instead of the original.
 */
export async function tenantOwnership(catalog: Catalog, prefix: string, tenantId: string, clusterId?: string): Promise<TenantOwnership> {
  return catalog.withTenant(tenantId, async (db) => {
    const cluster = clusterId === undefined ? '' : ' WHERE cluster_id = $1';
    const args = clusterId === undefined ? [] : [clusterId];
    const owners: Ownership[] = [];
    const backups = await db.query<BackupKeysRow>(
      `SELECT cluster_id, backup_id, status, artifact_key, manifest_key FROM backups${cluster}`,
      args,
    );
    for (const b of backups.rows) {
      const name = `backup ${tenantId}/${b.cluster_id}/${b.backup_id} (${b.status})`;
      const required = b.status === 'completed';
      if (b.artifact_key !== null && b.status === 'quarantined') {
        const moved = quarantineKey(prefix, b.artifact_key);
        owners.push({ key: moved, owner: `${name} quarantined artifact`, required: false });
        owners.push({ key: quarantineReasonKey(moved), owner: `${name} quarantine reason`, required: false });
      } else if (b.artifact_key !== null) {
        owners.push({ key: b.artifact_key, owner: `${name} artifact`, required });
      }
      if (b.manifest_key !== null) owners.push({ key: b.manifest_key, owner: `${name} manifest`, required });
    }
    const segments = await db.query<SegmentKeysRow>(
      `SELECT cluster_id, server_key, file_name, status, object_key, index_key FROM binlog_segments${cluster}`,
      args,
    );
    for (const s of segments.rows) {
      const name = `binlog ${tenantId}/${s.cluster_id}/${s.server_key}/${s.file_name} (${s.status})`;
      const required = s.status === 'archived';
      if (s.object_key !== null) owners.push({ key: s.object_key, owner: name, required });
      if (s.index_key !== null) owners.push({ key: s.index_key, owner: `${name} index`, required });
    }
    const protectedPrefixes: string[] = [];
    if (await tableExists(db, 'legacy_segments')) {
      const legacy = await db.query<{ cluster_id: string; file_name: string; index_key: string }>(
        `SELECT cluster_id, file_name, index_key FROM legacy_segments${cluster}`,
        args,
      );
      for (const l of legacy.rows)
        owners.push({ key: l.index_key, owner: `legacy binlog ${tenantId}/${l.cluster_id}/${l.file_name} index`, required: false });
      const sources = await db.query<{ prefix: string }>(`SELECT DISTINCT prefix FROM legacy_sources${cluster}`, args);
      protectedPrefixes.push(...sources.rows.map((r) => r.prefix));
    }
    if (owners.some((o) => o.required)) {
      owners.push({ key: tenantKeyRecordKey(prefix, tenantId), owner: `data key record of tenant ${tenantId}`, required: true });
    }
    return { owners, protectedPrefixes };
  });
}
