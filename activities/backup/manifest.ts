import { readFileSync } from 'node:fs';
import type { ManifestInput } from '../../domain/manifest';
import { storedBackupId } from '../../domain/manifest/backup-id';
import {
  loadManifestSigningKey,
  loadManifestVerifyingKey,
  type ManifestSigningKey,
  type ManifestVerifyingKey,
} from '../../domain/manifest/signature';
import type { CentralConfig } from '../../adapters/config/config';
import { ConfigError } from '../../adapters/config/config';
import type { Cluster } from '../../adapters/catalog/clusters';
import type { RegisterInput } from './types';

const PITR_VERSION = '0.1.0';

function readPem(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`${what} ${file} cannot be read: ${(err as Error).message}`);
  }
}

export function signingKey(config: CentralConfig): ManifestSigningKey {
  return loadManifestSigningKey(config.signing.keyId, readPem(config.signing.privateKeyFile, 'manifest signing key'));
}

export function trustedKeys(config: CentralConfig): ManifestVerifyingKey[] {
  return Object.entries(config.signing.publicKeyFiles).map(([keyId, file]) =>
    loadManifestVerifyingKey(keyId, readPem(file, `public key ${keyId}`)),
  );
}

/**
 * The manifest of a backup, from the phases' results alone: the same inputs give the same
 * manifest (createdAt is the capture's worker clock), so a retried registration writes
 * byte-identical content.
 */
export function buildManifest(
  cluster: Cluster,
  input: Omit<RegisterInput, 'uploaded' | 'startedAt'> & { uploaded: RegisterInput['uploaded'] | undefined },
): ManifestInput {
  const { ref, prepared, executed, captured, uploaded } = input;
  const common = {
    schemaVersion: 1 as const,
    tenantId: ref.tenantId,
    clusterId: ref.clusterId,
    complianceTier: cluster.complianceTier,
    backupId: storedBackupId(ref.backupId),
    serverVersion: prepared.serverVersion,
    lowerCaseTableNames: prepared.lowerCaseTableNames,
    engineVersion: executed.toolVersion,
    toolVersions: { pitr: PITR_VERSION, zstd: 'zstd-napi' },
    artifact: {
      location: { bucket: uploaded?.bucket ?? 'dry-run', key: uploaded?.key ?? 'dry-run' },
      sizeBytes: uploaded?.storedBytes ?? 0,
      storedSha256: uploaded?.storedSha256 ?? '0'.repeat(64),
      compression: uploaded?.compression ?? { algorithm: 'zstd' as const, level: 3, workers: 0 },
      encryption: { algorithm: 'aes-256-gcm' as const, keyId: uploaded?.keyId ?? 'dry-run', chunkSize: uploaded?.chunkSize ?? 1 },
    },
    schemaTables: executed.schemaTables,
    createdAt: captured.server.workerUtc,
    clock: { serverUtc: captured.server.serverUtc, workerUtc: captured.server.workerUtc, skewMs: Math.round(captured.server.skewMs) },
    coordinate: {
      gtidExecuted: captured.coordinate.gtidExecuted,
      gtidPurged: captured.coordinate.gtidPurged,
      binlogFile: captured.coordinate.binlogFile,
      binlogPosition: captured.coordinate.binlogPosition,
    },
  };
  return prepared.flavor === 'mysql'
    ? { ...common, flavor: 'mysql', serverUuid: prepared.serverUuid ?? '', engine: ref.engine as 'clone' }
    : { ...common, flavor: 'mariadb', serverId: prepared.serverId, engine: ref.engine as 'mariadb-backup' };
}
