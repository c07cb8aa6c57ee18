import type { PoolClient } from 'pg';
import type { Catalog } from './catalog';

export interface BackupObjects {
  clusterId: string;
  backupId: string;
  status: string;
  artifactKey: string | null;
  manifestKey: string | null;
}

export interface SegmentObjects {
  clusterId: string;
  serverKey: string;
  file: string;
  status: string;
  objectKey: string | null;
  indexKey: string | null;
}

export interface LegacyIndexObject {
  clusterId: string;
  file: string;
  indexKey: string;
}

/** Every object key a tenant's rows name, as one transaction reads them. */
export interface ObjectReferences {
  backups: BackupObjects[];
  segments: SegmentObjects[];
  legacyIndexes: LegacyIndexObject[];
  /** Prefixes of the tenant's legacy sources. */
  legacyPrefixes: string[];
}

async function tableExists(db: PoolClient, table: string): Promise<boolean> {
  const res = await db.query<{ found: boolean }>('SELECT to_regclass($1) IS NOT NULL AS found', [`public.${table}`]);
  return res.rows[0]!.found;
}

/** The object keys the rows of a tenant, or of one of its clusters, name, whatever the rows' states. */
export async function objectReferences(catalog: Catalog, tenantId: string, clusterId?: string): Promise<ObjectReferences> {
  return catalog.withTenant(tenantId, async (db) => {
    const cluster = clusterId === undefined ? '' : ' WHERE cluster_id = $1';
    const args = clusterId === undefined ? [] : [clusterId];
    const backups = await db.query<{
      cluster_id: string;
      backup_id: string;
      status: string;
      artifact_key: string | null;
      manifest_key: string | null;
    }>(`SELECT cluster_id, backup_id, status, artifact_key, manifest_key FROM backups${cluster}`, args);
    const segments = await db.query<{
      cluster_id: string;
      server_key: string;
      file_name: string;
      status: string;
      object_key: string | null;
      index_key: string | null;
    }>(`SELECT cluster_id, server_key, file_name, status, object_key, index_key FROM binlog_segments${cluster}`, args);
    const references: ObjectReferences = {
      backups: backups.rows.map((b) => ({
        clusterId: b.cluster_id,
        backupId: b.backup_id,
        status: b.status,
        artifactKey: b.artifact_key,
        manifestKey: b.manifest_key,
      })),
      segments: segments.rows.map((s) => ({
        clusterId: s.cluster_id,
        serverKey: s.server_key,
        file: s.file_name,
        status: s.status,
        objectKey: s.object_key,
        indexKey: s.index_key,
      })),
      legacyIndexes: [],
      legacyPrefixes: [],
    };
    if (await tableExists(db, 'legacy_segments')) {
      const legacy = await db.query<{ cluster_id: string; file_name: string; index_key: string }>(
        `SELECT cluster_id, file_name, index_key FROM legacy_segments${cluster}`,
        args,
      );
      references.legacyIndexes = legacy.rows.map((l) => ({ clusterId: l.cluster_id, file: l.file_name, indexKey: l.index_key }));
      const sources = await db.query<{ prefix: string }>(`SELECT DISTINCT prefix FROM legacy_sources${cluster}`, args);
      references.legacyPrefixes = sources.rows.map((r) => r.prefix);
    }
    return references;
  });
}
