import { Context } from '@temporalio/activity';
import { verifySignedManifest } from '../../domain/manifest/signature';
import { verifyArtifact } from '../../adapters/artifact/download';
import { quarantineArtifact } from '../../adapters/artifact/quarantine';
import { ArtifactIntegrityError } from '../../adapters/artifact/errors';
import type { ArtifactServices } from '../../adapters/artifact/services';
import { raiseAlert } from '../../adapters/catalog/alerts';
import { quarantinedArtifacts } from '../metrics';
import { recordFailedBackup } from '../../adapters/catalog/backups';
import type { Catalog } from '../../adapters/catalog/catalog';
import { getCluster } from '../../adapters/catalog/clusters';
import type { CentralConfig } from '../../adapters/config/config';
import { artifactKeyOfManifest } from '../../adapters/storage/layout';
import { trustedKeys } from './manifest';
import type { VerifyActivities } from './types';

export function createVerifyActivities(config: CentralConfig, catalog: Catalog, services: ArtifactServices): VerifyActivities {
  const keys = trustedKeys(config);
  return {
    async verifyBackupArtifact({ ref, manifestKey }) {
      const artifactKey = artifactKeyOfManifest(manifestKey);
      const alive = setInterval(() => Context.current().heartbeat({ verifying: artifactKey }), 10_000);
      try {
        const { bytes } = await services.store.getRange(manifestKey, 0, 4 * 1024 * 1024 - 1);
        const manifest = verifySignedManifest(JSON.parse(bytes.toString('utf8')), keys);
        const decoded = await verifyArtifact({
          store: services.store,
          key: manifest.artifact.location.key,
          keys: services.keys,
          expected: { tenant: ref.tenantId, sha256: manifest.artifact.storedSha256 },
        });
        return { plainBytes: decoded.plaintextBytes, storedSha256: decoded.sha256 };
      } catch (err) {
        // Only the artifact's own bytes failing a check is damage. A key that cannot be had (erased
        // tenant, master key not configured mid-rotation, wrong key store) or a manifest that is not
        // trusted leaves a healthy artifact where it is; the error says what to fix.
        if (err instanceof ArtifactIntegrityError && (await services.store.head(artifactKey))) {
          const target = await quarantineArtifact(services.store, services.prefix, artifactKey, err);
          quarantinedArtifacts.inc({ tenant: ref.tenantId, cluster: ref.clusterId, kind: 'backup' });
          const cluster = await getCluster(catalog, ref.tenantId, ref.clusterId);
          const reason = `${err.message} (artifact moved to ${target})`;
          await recordFailedBackup(catalog, {
            ref,
            complianceTier: cluster.complianceTier,
            flavor: cluster.flavor,
            status: 'quarantined',
            phase: 'verify',
            reason,
            startedAt: new Date().toISOString(),
          });
          await raiseAlert(catalog, {
            tenantId: ref.tenantId,
            clusterId: ref.clusterId,
            kind: 'quarantine',
            subject: ref.backupId,
            message: reason,
          });
        }
        throw err;
      } finally {
        clearInterval(alive);
      }
    },
  };
}
