import { log } from '@temporalio/activity';
import { parseManifest } from '../../domain/manifest';
import { signManifest } from '../../domain/manifest/signature';
import { readBackHead } from '../../adapters/artifact/read-back';
import { quarantineArtifact } from '../../adapters/artifact/quarantine';
import type { ArtifactServices } from '../../adapters/artifact/services';
import { raiseAlert } from '../../adapters/catalog/alerts';
import { insertCompletedBackup, recordFailedBackup } from '../../adapters/catalog/backups';
import { backupBytes, backupDuration, quarantinedArtifacts, secondsSince } from '../metrics';
import type { Catalog } from '../../adapters/catalog/catalog';
import { getCluster } from '../../adapters/catalog/clusters';
import { refuseErasedTenant } from '../../adapters/catalog/erasures';
import { heartbeating } from '../heartbeat';
import type { CentralConfig } from '../../adapters/config/config';
import { artifactKey, manifestKeyOf } from '../../adapters/storage/layout';
import { buildManifest, signingKey } from './manifest';
import type { CentralBackupActivities } from './types';

export function createCentralBackupActivities(
  config: CentralConfig,
  catalog: Catalog,
  services: ArtifactServices,
): CentralBackupActivities {
  const key = signingKey(config);
  return {
    async loadCluster({ tenantId, clusterId }) {
      await refuseErasedTenant(catalog, tenantId);
      return getCluster(catalog, tenantId, clusterId);
    },

    async validateManifest(input) {
      const cluster = await getCluster(catalog, input.ref.tenantId, input.ref.clusterId);
      parseManifest(buildManifest(cluster, { ...input, uploaded: undefined }));
    },

    registerBackup: (input) =>
      heartbeating('register', async () => {
        const { ref, uploaded } = input;
        const cluster = await getCluster(catalog, ref.tenantId, ref.clusterId);
        await readBackHead(services.store, uploaded.key, services.keys, { tenant: ref.tenantId, storedBytes: uploaded.storedBytes });
        const signed = signManifest(buildManifest(cluster, input), key);
        const manifestKey = manifestKeyOf(uploaded.key);
        await services.store.put(manifestKey, Buffer.from(`${JSON.stringify(signed, null, 2)}\n`), 'application/json');
        const inserted = await insertCompletedBackup(catalog, {
          ref,
          complianceTier: cluster.complianceTier,
          flavor: cluster.flavor,
          coordinate: input.captured.coordinate,
          artifactKey: uploaded.key,
          manifestKey,
          sizeBytes: uploaded.storedBytes,
          storedSha256: uploaded.storedSha256,
          manifest: signed.manifest,
          startedAt: input.startedAt,
        });
        if (inserted) {
          backupDuration.observe(
            { tenant: ref.tenantId, cluster: ref.clusterId, engine: ref.engine, outcome: 'completed' },
            secondsSince(input.startedAt),
          );
          backupBytes.inc({ tenant: ref.tenantId, cluster: ref.clusterId, engine: ref.engine, form: 'plain' }, uploaded.plainBytes);
          backupBytes.inc({ tenant: ref.tenantId, cluster: ref.clusterId, engine: ref.engine, form: 'stored' }, uploaded.storedBytes);
        }
        return { backupId: ref.backupId, manifestKey, inserted };
      }),

    async recordBackupFailure({ ref, phase, reason, terminal, startedAt }) {
      const cluster = await getCluster(catalog, ref.tenantId, ref.clusterId);
      let status: 'failed' | 'quarantined' = 'failed';
      let detail = reason;
      if (terminal) {
        const key = artifactKey(services.prefix, ref);
        if (await services.store.head(key)) {
          const target = await quarantineArtifact(services.store, services.prefix, key, new Error(`${phase}: ${reason}`));
          status = 'quarantined';
          quarantinedArtifacts.inc({ tenant: ref.tenantId, cluster: ref.clusterId, kind: 'backup' });
          detail = `${reason} (artifact moved to ${target})`;
        }
        await raiseAlert(catalog, {
          tenantId: ref.tenantId,
          clusterId: ref.clusterId,
          kind: status === 'quarantined' ? 'quarantine' : 'backup-failed',
          subject: ref.backupId,
          message: `backup ${ref.backupId} failed terminally in ${phase}: ${detail}`,
        });
        log.error('backup failed terminally', { backupId: ref.backupId, phase, reason: detail });
      }
      await recordFailedBackup(catalog, {
        ref,
        complianceTier: cluster.complianceTier,
        flavor: cluster.flavor,
        status,
        phase,
        reason: detail,
        startedAt,
      });
      backupDuration.observe(
        { tenant: ref.tenantId, cluster: ref.clusterId, engine: ref.engine, outcome: status },
        secondsSince(startedAt),
      );
    },
  };
}
