import { GetBucketLifecycleConfigurationCommand, type LifecycleRule } from '@aws-sdk/client-s3';
import type { S3ObjectStore } from '../../adapters/storage/s3-store';
import { DEFAULT_RETRY_POLICY, withRetry } from '../../adapters/storage/retry';

/** The bucket's lifecycle rules; none when it has no lifecycle configuration. */
export async function bucketLifecycleRules(store: S3ObjectStore): Promise<LifecycleRule[]> {
  return withRetry(
    async () => {
      try {
        const out = await store.client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: store.bucket }));
        return out.Rules ?? [];
      } catch (err) {
        if ((err as { name?: unknown }).name === 'NoSuchLifecycleConfiguration') return [];
        throw err;
      }
    },
    { operation: 'get-bucket-lifecycle', bucket: store.bucket, key: '', origin: store.origin },
    DEFAULT_RETRY_POLICY,
  );
}
