import type { Catalog } from '../../adapters/catalog/catalog';
import { objectReferences } from '../../adapters/catalog/object-references';
import { quarantineKey, quarantineReasonKey, tenantKeyRecordKey } from '../../adapters/storage/layout';
import type { Ownership } from './classify';

/** What one tenant's catalog rows account for in object storage. */
export interface TenantOwnership {
  owners: Ownership[];
  /** Prefixes of the tenant's legacy sources: another system's archive, never ours to judge. */
  protectedPrefixes: string[];
}

/**
 * The objects a tenant's rows own, and which of them must exist: a completed backup's
 * artifact and manifest, an archived segment and its index. Rows in other states (failed,
 * retention's expiring or expired, redundant) still own whatever they name but need none of
 * it. A quarantined backup owns its artifact's copy under the quarantine folder instead of the original.
 */
export async function tenantOwnership(catalog: Catalog, prefix: string, tenantId: string, clusterId?: string): Promise<TenantOwnership> {
  const references = await objectReferences(catalog, tenantId, clusterId);
  const owners: Ownership[] = [];
  for (const b of references.backups) {
    const name = `backup ${tenantId}/${b.clusterId}/${b.backupId} (${b.status})`;
    const required = b.status === 'completed';
    if (b.artifactKey !== null && b.status === 'quarantined') {
      const moved = quarantineKey(prefix, b.artifactKey);
      owners.push({ key: moved, owner: `${name} quarantined artifact`, required: false });
      owners.push({ key: quarantineReasonKey(moved), owner: `${name} quarantine reason`, required: false });
    } else if (b.artifactKey !== null) {
      owners.push({ key: b.artifactKey, owner: `${name} artifact`, required });
    }
    if (b.manifestKey !== null) owners.push({ key: b.manifestKey, owner: `${name} manifest`, required });
  }
  for (const s of references.segments) {
    const name = `binlog ${tenantId}/${s.clusterId}/${s.serverKey}/${s.file} (${s.status})`;
    const required = s.status === 'archived';
    if (s.objectKey !== null) owners.push({ key: s.objectKey, owner: name, required });
    if (s.indexKey !== null) owners.push({ key: s.indexKey, owner: `${name} index`, required });
  }
  for (const l of references.legacyIndexes)
    owners.push({ key: l.indexKey, owner: `legacy binlog ${tenantId}/${l.clusterId}/${l.file} index`, required: false });
  if (owners.some((o) => o.required)) {
    owners.push({ key: tenantKeyRecordKey(prefix, tenantId), owner: `data key record of tenant ${tenantId}`, required: true });
  }
  return { owners, protectedPrefixes: references.legacyPrefixes };
}
