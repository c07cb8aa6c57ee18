import { PassThrough } from 'node:stream';
import { trustedKeys } from '../backup/manifest';
import { unpackArtifact } from '../../adapters/artifact/download';
import type { ArtifactServices } from '../../adapters/artifact/services';
import type { CentralConfig } from '../../adapters/config/config';
import { applierServerArgs } from '../../adapters/apply';
import { restoreBackup, unpackPayload } from '../../adapters/engines';
import type { RestoreTarget } from '../../adapters/engines/restore';
import type { DbInstance } from '../../adapters/servers/db-instance';
import type { Manifest } from '../../domain/manifest/schema';
import { verifySignedManifest } from '../../domain/manifest/signature';
import { sameHistory } from '../../domain/archive/history';
import type { RestorePlan } from '../../domain/restore/plan';
import { ManifestMismatchError } from './errors';
import type { ProvisionedSite } from './provisioner';
import { storedBackupId } from '../../domain/manifest/backup-id';

async function readObject(services: Pick<ArtifactServices, 'store'>, key: string): Promise<Buffer> {
  const { body } = await services.store.getStream(key);
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** The backup's signed manifest, refused unless genuine, naming the planned backup and the catalogued artifact checksum. */
export async function verifiedManifest(
  config: CentralConfig,
  services: Pick<ArtifactServices, 'store'>,
  plan: RestorePlan,
): Promise<Manifest> {
  const envelope: unknown = JSON.parse((await readObject(services, plan.backup.manifestKey)).toString('utf8'));
  const manifest = verifySignedManifest(envelope, trustedKeys(config), { expectedStoredSha256: plan.backup.storedSha256 });
  const pairs: Array<[string, string, string]> = [
    ['tenant', manifest.tenantId, plan.tenantId],
    ['cluster', manifest.clusterId, plan.clusterId],
    // Manifest identifiers keep to a conservative alphabet: the backup workflow drops the ':' of its ids' timestamps.
    ['backup', manifest.backupId, storedBackupId(plan.backup.backupId)],
  ];
  for (const [what, inManifest, inCatalog] of pairs)
    if (inManifest !== inCatalog) throw new ManifestMismatchError(what, inManifest, inCatalog);
  if (!sameHistory(plan.flavor, manifest.coordinate.gtidExecuted, plan.backup.gtidExecuted)) {
    throw new ManifestMismatchError('coordinate', manifest.coordinate.gtidExecuted, plan.backup.gtidExecuted);
  }
  return manifest;
}

/**
 * Downloads the artifact (every chunk authenticated, the whole object's SHA-256 checked against
 * the signed manifest) into the payload folder, and only then restores it as a running server
 * started with the replication applier's options.
 */
export async function restoreVerifiedBase(
  services: Pick<ArtifactServices, 'store' | 'keys'>,
  plan: RestorePlan,
  manifest: Manifest,
  site: ProvisionedSite,
  signal: AbortSignal,
): Promise<DbInstance> {
  const tar = new PassThrough();
  const unpacked = unpackPayload(tar, site.payloadDir);
  try {
    await unpackArtifact({
      store: services.store,
      key: plan.backup.artifactKey,
      keys: services.keys,
      expected: { tenant: plan.tenantId, sha256: manifest.artifact.storedSha256 },
      destination: { stream: tar },
      signal,
    });
  } catch (err) {
    // A failure before the first byte (the header, the tenant's key) leaves the input open: the unpacker would wait
    // for it forever. Destroyed, it fails too; the download's error is the one to report.
    tar.destroy(err instanceof Error ? err : new Error(String(err)));
    await unpacked.catch(() => undefined);
    throw err;
  }
  await unpacked;
  return restoreBackup(manifest.engine, {
    payloadDir: site.payloadDir,
    coordinate: { ...manifest.coordinate, source: `manifest of ${manifest.backupId}` },
    target: restoredServerOn(site),
    lowerCaseTableNames: manifest.lowerCaseTableNames,
    signal,
  });
}

/** The server a restore starts on its site: the site's release, ready for the replication applier. */
export function restoredServerOn(site: ProvisionedSite): RestoreTarget {
  return { dir: site.serverDir, serverId: site.serverId, extraArgs: applierServerArgs(site.flavor, site.serverDir), server: site.server };
}
