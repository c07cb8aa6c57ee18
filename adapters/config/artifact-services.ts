import { readFileSync } from 'node:fs';
import type { ArtifactEncoding } from '../artifact/encode';
import type { ArtifactServices } from '../artifact/services';
import { LocalKeyProvider } from '../keys/local-key-provider';
import { ObjectTenantKeyStore } from '../keys/object-tenant-key-store';
import { TenantKeys } from '../keys/tenant-keys';
import { createS3Client, S3ObjectStore, type S3StoreOptions } from '../storage/s3-store';
import type { SettingsOrigin } from '../storage/settings-origin';
import { ConfigError, resolveSecret, secretSource, type AgentConfig, type CentralConfig } from './config';

/** The configuration keys (and secret source) the store's settings come from, for its hints. */
function configuredOrigin(storage: CentralConfig['storage']): SettingsOrigin {
  return {
    credentials: `storage.accessKeyId in the configuration ("${storage.accessKeyId}") and the secret key in ${secretSource(storage.secretAccessKey, 'storage.secretAccessKey')}`,
    endpoint: `storage.endpoint in the configuration (${storage.endpoint})`,
  };
}

/** Object storage and tenant keys as a worker's or agent's configuration file names them. */
export function artifactServicesFromConfig(
  config: Pick<CentralConfig, 'storage' | 'masterKeyFile' | 'previousMasterKeys'>,
  storeOptions: S3StoreOptions = {},
): ArtifactServices {
  let masterKeyText: string;
  try {
    masterKeyText = readFileSync(config.masterKeyFile, 'utf8');
  } catch (err) {
    throw new ConfigError(`master key file ${config.masterKeyFile} cannot be read: ${(err as Error).message}`);
  }
  const master = LocalKeyProvider.fromBase64(masterKeyText, `master key file ${config.masterKeyFile}`);
  const previous = (config.previousMasterKeys ?? []).map((secret, i) =>
    LocalKeyProvider.fromBase64(resolveSecret(secret), `previousMasterKeys[${i}]`),
  );
  const client = createS3Client({
    endpoint: config.storage.endpoint,
    region: config.storage.region,
    accessKeyId: config.storage.accessKeyId,
    secretAccessKey: resolveSecret(config.storage.secretAccessKey),
    checksums: config.storage.checksums,
  });
  const store = new S3ObjectStore(client, config.storage.bucket, {
    ...storeOptions,
    checksums: config.storage.checksums,
    origin: configuredOrigin(config.storage),
  });
  return {
    store,
    keys: new TenantKeys(new ObjectTenantKeyStore(store, config.storage.prefix), master, previous),
    prefix: config.storage.prefix,
    close: () => client.destroy(),
  };
}

/** The zstd settings an agent's uploads use: what its configuration sets, the defaults for the rest. */
export function uploadEncoding(config: Pick<AgentConfig, 'compression'>): Partial<ArtifactEncoding> {
  const { level, workers } = config.compression ?? {};
  return {
    ...(level === undefined ? {} : { compressionLevel: level }),
    ...(workers === undefined ? {} : { compressionWorkers: workers }),
  };
}
