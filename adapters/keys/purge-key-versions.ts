import { DeleteObjectCommand, ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import type { S3ObjectStore } from '../storage/s3-store';
import { DEFAULT_RETRY_POLICY, withRetry } from '../storage/retry';

/**
 * Deletes every version of `key` but the current one. In a versioned bucket a tombstone
 * written over a key record leaves the wrapped key in the replaced version, so an erasure
 * is only one once those are gone. In an unversioned bucket there are none.
 */
export async function deleteOlderVersions(store: S3ObjectStore, key: string): Promise<number> {
  const where = { bucket: store.bucket, key, origin: store.origin };
  const older: string[] = [];
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  for (;;) {
    const page = await withRetry(
      () =>
        store.client.send(
          new ListObjectVersionsCommand({ Bucket: store.bucket, Prefix: key, KeyMarker: keyMarker, VersionIdMarker: versionIdMarker }),
        ),
      { ...where, operation: 'list-object-versions' },
      DEFAULT_RETRY_POLICY,
    );
    for (const v of [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])]) {
      if (v.Key === key && !v.IsLatest && v.VersionId !== undefined && v.VersionId !== 'null') older.push(v.VersionId);
    }
    if (!page.IsTruncated) break;
    keyMarker = page.NextKeyMarker;
    versionIdMarker = page.NextVersionIdMarker;
  }
  for (const versionId of older) {
    await withRetry(
      () => store.client.send(new DeleteObjectCommand({ Bucket: store.bucket, Key: key, VersionId: versionId })),
      { ...where, operation: 'delete-object-version' },
      DEFAULT_RETRY_POLICY,
    );
  }
  return older.length;
}
