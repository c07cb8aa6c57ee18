import { UploadNotFoundError } from '../storage/errors';
import type { S3ObjectStore } from '../storage/s3-store';
import type { Grace } from './classify';
import type { RepoReport } from './check';

export interface RepairOutcome {
  removed: string[];
  aborted: Array<{ key: string; uploadId: string }>;
  /** Orphans left in place, and why: rewritten since the check (a retried upload reuses its key), or already gone. */
  skipped: Array<{ key: string; why: string }>;
}

/**
 * Removes the orphans and aborts the stale uploads a check found — nothing else, and only
 * objects unchanged since the listing and still older than the grace period.
 */
export async function repairRepository(store: S3ObjectStore, report: RepoReport, grace: Grace): Promise<RepairOutcome> {
  const outcome: RepairOutcome = { removed: [], aborted: [], skipped: [] };
  for (const orphan of report.orphans) {
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
