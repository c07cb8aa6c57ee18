import { masterKeyFromEnv, previousMasterKeysFromEnv } from '../keys/config';
import { ObjectTenantKeyStore } from '../keys/object-tenant-key-store';
import { TenantKeys } from '../keys/tenant-keys';
import { storageSettingsFromEnv } from '../storage/config';
import { createS3Client, S3ObjectStore } from '../storage/s3-store';
import { ENV_SETTINGS } from '../storage/settings-origin';

/** The object store of one bucket and the tenant keys kept in it, wired from the environment. */
export interface ArtifactServices {
  store: S3ObjectStore;
  keys: TenantKeys;
  prefix: string;
  close(): void;
}

export function artifactServicesFromEnv(bucket: string, env: NodeJS.ProcessEnv = process.env): ArtifactServices {
  const settings = storageSettingsFromEnv(env);
  const master = masterKeyFromEnv(env);
  const previous = previousMasterKeysFromEnv(env);
  const client = createS3Client(settings);
  const store = new S3ObjectStore(client, bucket, { checksums: settings.checksums, origin: ENV_SETTINGS });
  return {
    store,
    keys: new TenantKeys(new ObjectTenantKeyStore(store, settings.prefix), master, previous),
    prefix: settings.prefix,
    close: () => client.destroy(),
  };
}
