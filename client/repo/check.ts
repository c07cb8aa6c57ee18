import type { Catalog } from '../../adapters/catalog/catalog';
import { catalogTenants } from '../../adapters/catalog/tenants';
import { inScope, placeOf, type RepoScope, scopePrefix, scopeQuarantinePrefix, tenantKeyRecordKey } from '../../adapters/storage/layout';
import type { ObjectInfo } from '../../adapters/storage/object-store';
import type { S3ObjectStore } from '../../adapters/storage/s3-store';
import { bucketLifecycleRules } from './bucket';
import { classifyObjects, classifyUploads, type Grace, type ListedUpload, type Ownership } from './classify';
import { lifecycleWarnings, type LifecycleWarning } from './lifecycle';
import { tenantOwnership } from './owners';

export interface ReportedObject {
  key: string;
  size: number;
  etag: string;
  lastModified: string;
}

/** What `pitr repo check` found; `problems` counts what an operator must look at. */
export interface RepoReport {
  bucket: string;
  prefix: string;
  scope: RepoScope;
  checkedAt: string;
  minAgeSeconds: number;
  tenants: string[];
  objectsListed: number;
  objectsOwned: number;
  /** Unowned and older than the grace period: left by crashed uploads (`--repair` removes them). */
  orphans: ReportedObject[];
  /** Unowned but younger than the grace period: possibly a backup or archive pass still running. */
  inGrace: ReportedObject[];
  /** Catalog rows whose objects are gone. */
  missing: Ownership[];
  /** Multipart uploads started before the grace period and never finished (`--repair` aborts them). */
  staleUploads: Array<{ key: string; uploadId: string; initiated: string | null }>;
  uploadsInFlight: number;
  quarantined: ReportedObject[];
  /** Objects outside the product's layout or under a legacy source's prefix: left alone. */
  foreign: ReportedObject[];
  lifecycle: LifecycleWarning[];
  problems: number;
}

const reported = (o: ObjectInfo): ReportedObject => ({
  key: o.key,
  size: o.size,
  etag: o.etag,
  lastModified: o.lastModified.toISOString(),
});

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

/** Objects a scope covers: its part of the tenant area, its tenant's key record, and its quarantined artifacts. */
async function listScope(store: S3ObjectStore, prefix: string, scope: RepoScope): Promise<ObjectInfo[]> {
  if (scope.tenantId === undefined) return collect(store.list(prefix));
  const objects = await collect(store.list(scopePrefix(prefix, scope)));
  objects.push(...(await collect(store.list(scopeQuarantinePrefix(prefix, scope)))));
  const record = await store.head(tenantKeyRecordKey(prefix, scope.tenantId));
  if (record) objects.push(record);
  return objects;
}

async function scopeTenants(catalog: Catalog, prefix: string, scope: RepoScope, objects: readonly ObjectInfo[]): Promise<string[]> {
  if (scope.tenantId !== undefined) return [scope.tenantId];
  const seen = new Set(await catalogTenants(catalog));
  for (const o of objects) {
    const place = placeOf(prefix, o.key);
    if (place.area === 'tenant' || place.area === 'key-record') seen.add(place.tenantId);
  }
  return [...seen].sort();
}

/**
 * Compares object storage under the configured prefix with the catalog: every tenant's rows
 * (read tenant by tenant, under row-level security) against one listing. Reads only.
 */
export async function checkRepository(
  catalog: Catalog,
  store: S3ObjectStore,
  prefix: string,
  scope: RepoScope,
  grace: Grace,
): Promise<RepoReport> {
  const objects = await listScope(store, prefix, scope);
  const tenants = await scopeTenants(catalog, prefix, scope, objects);
  const owners: Ownership[] = [];
  const protectedPrefixes: string[] = [];
  for (const tenant of tenants) {
    const owned = await tenantOwnership(catalog, prefix, tenant, scope.clusterId);
    owners.push(...owned.owners);
    protectedPrefixes.push(...owned.protectedPrefixes);
  }
  const objectsClass = classifyObjects({ prefix, objects, owners, protectedPrefixes, grace });
  // Listed bucket-wide and filtered here: MinIO answers a Prefix only when it is a whole key (or empty).
  // Incomplete uploads are few, so the whole bucket's list is small.
  const area = scopePrefix(prefix, scope);
  const uploads: ListedUpload[] = (await store.listMultipartUploadsUnder('')).filter(
    (u) => u.key.startsWith(area) && inScope(placeOf(prefix, u.key), scope),
  );
  const uploadsClass = classifyUploads(prefix, uploads, protectedPrefixes, grace);
  const lifecycle = lifecycleWarnings(await bucketLifecycleRules(store), prefix);
  const report: Omit<RepoReport, 'problems'> = {
    bucket: store.bucket,
    prefix,
    scope,
    checkedAt: grace.now.toISOString(),
    minAgeSeconds: grace.minAgeMs / 1000,
    tenants,
    objectsListed: objects.length,
    objectsOwned: objectsClass.owned,
    orphans: objectsClass.orphans.map(reported),
    inGrace: objectsClass.inGrace.map(reported),
    missing: objectsClass.missing,
    staleUploads: uploadsClass.stale.map((u) => ({ key: u.key, uploadId: u.uploadId, initiated: u.initiated?.toISOString() ?? null })),
    uploadsInFlight: uploadsClass.inFlight.length,
    quarantined: objectsClass.quarantined.map(reported),
    foreign: objectsClass.foreign.map(reported),
    lifecycle,
  };
  return { ...report, problems: report.orphans.length + report.missing.length + report.staleUploads.length + lifecycle.length };
}
