import type { Catalog } from '../../adapters/catalog/catalog';
import { UploadNotFoundError } from '../../adapters/storage/errors';
import { placeOf } from '../../adapters/storage/layout';
import type { S3ObjectStore } from '../../adapters/storage/s3-store';
import type { RepoReport } from './check';
import type { Grace } from './classify';
import { tenantOwnership } from './owners';

export interface RepairOutcome {
  removed: string[];
  aborted: Array<{ key: string; uploadId: string }>;
  /** Orphans left in place, and why: owned or rewritten since the check (a retried upload reuses its key), or already gone. */
  skipped: Array<{ key: string; why: string }>;
}

/** The orphans' tenants' ownership read again: a listing of a large bucket takes a while, and registrations go on. */
async function keysOwnedNow(catalog: Catalog, report: RepoReport): Promise<Set<string>> {
  const tenants = new Set<string>();
  for (const orphan of report.orphans) {
    const place = placeOf(report.prefix, orphan.key);
    if (place.area === 'tenant') tenants.add(place.tenantId);
  }
  const owned = new Set<string>();
  for (const tenant of tenants) {
    for (const o of (await tenantOwnership(catalog, report.prefix, tenant)).owners) owned.add(o.key);
  }
  return owned;
}

/**
 * Removes the orphans and aborts the stale uploads a check found — nothing else, and only
 * objects no row owns even now, unchanged since the listing, and still older than the grace period.
 */
export async function repairRepository(catalog: Catalog, store: S3ObjectStore, report: RepoReport, grace: Grace): Promise<RepairOutcome> {
  const outcome: RepairOutcome = { removed: [], aborted: [], skipped: [] };
  const ownedNow = await keysOwnedNow(catalog, report);
  for (const orphan of report.orphans) {
    if (ownedNow.has(orphan.key)) {
      outcome.skipped.push({ key: orphan.key, why: 'a catalog row owns it since the check' });
      continue;
    }
    const now = await store.head(orphan.key);
    if (now === undefined) {
      outcome.skipped.push({ key: orphan.key, why: 'already gone' });
    } else if (now.etag !== orphan.etag || grace.now.getTime() - now.lastModified.getTime() < grace.minAgeMs) {
      outcome.skipped.push({ key: orphan.key, why: `rewritten at ${now.lastModified.toISOString()}, after the check listed it` });
    } else {
      await store.delete(orphan.key);
      outcome.removed.push(orphan.key);
    }
  }
  for (const upload of report.staleUploads) {
    try {
      await store.abortMultipart(upload.key, upload.uploadId);
      outcome.aborted.push({ key: upload.key, uploadId: upload.uploadId });
    } catch (err) {
      if (!(err instanceof UploadNotFoundError)) throw err;
      outcome.skipped.push({ key: upload.key, why: `upload ${upload.uploadId} already completed or aborted` });
    }
  }
  return outcome;
}
