/**
 * Where an object sits in the product's layout under the configured prefix:
 * `tenants/<tenant>/clusters/<cluster>/...` (backups and binlogs, owned by catalog rows),
 * `keys/<tenant>.json` (key records), `failed/...` (quarantined artifacts, kept for
 * inspection). Anything else is not the product's to judge, whoever wrote it.
 */
export type KeyPlace =
  | { area: 'tenant'; tenantId: string; clusterId: string | undefined }
  | { area: 'key-record'; tenantId: string }
  | { area: 'quarantine' }
  | { area: 'foreign' };

export function placeOf(prefix: string, key: string): KeyPlace {
  if (!key.startsWith(prefix)) return { area: 'foreign' };
  const parts = key.slice(prefix.length).split('/');
  if (parts[0] === 'tenants' && parts.length >= 3 && parts[1]) {
    return { area: 'tenant', tenantId: parts[1], clusterId: parts[2] === 'clusters' && parts.length >= 5 ? parts[3] : undefined };
  }
  if (parts[0] === 'keys' && parts.length === 2 && parts[1]!.endsWith('.json') && parts[1]!.length > '.json'.length) {
    return { area: 'key-record', tenantId: parts[1]!.slice(0, -'.json'.length) };
  }
  if (parts[0] === 'failed' && parts.length >= 2) return { area: 'quarantine' };
  return { area: 'foreign' };
}

/** A tenant, or one cluster of it; every tenant when absent. */
export interface RepoScope {
  tenantId?: string;
  clusterId?: string;
}

/** The part of the tenant area a scope covers (the whole prefix for every tenant). */
export function scopePrefix(prefix: string, scope: RepoScope): string {
  if (scope.tenantId === undefined) return prefix;
  const tenant = `${prefix}tenants/${scope.tenantId}/`;
  return scope.clusterId === undefined ? tenant : `${tenant}clusters/${scope.clusterId}/`;
}

export function inScope(place: KeyPlace, scope: RepoScope): boolean {
  if (scope.tenantId === undefined) return true;
  if (place.area === 'key-record') return place.tenantId === scope.tenantId;
  if (place.area !== 'tenant') return false;
  return place.tenantId === scope.tenantId && (scope.clusterId === undefined || place.clusterId === scope.clusterId);
}
