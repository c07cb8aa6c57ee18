import { Context } from '@temporalio/activity';
import { applyBinlogs } from '../../adapters/apply';
import { loadRecoverability } from '../archive/recoverable';
import { RestoreRefusedError } from '../../domain/restore/plan';
import { verificationInstant } from '../../domain/restore/verification';
import type { ArtifactServices } from '../../adapters/artifact/services';
import type { Catalog } from '../../adapters/catalog/catalog';
import type { CentralConfig } from '../../adapters/config/config';
import { connectionOf } from '../../adapters/engines';
import { restoreVerifiedBase, verifiedManifest } from './base';
import { fetchArchivedSegments } from './fetch';
import { recordRestoreOutcome } from './outcomes';
import { loadRestorePlan } from './plan';
import type { RestoreProvisioner } from './provisioner';
import type { CentralRestoreActivities, HostRestoreActivities, RestoredServer } from './types';
import { adminPassword, type DbInstance } from '../../adapters/servers/db-instance';
import { verifyRestoredBase, verifyRestoredServer } from './verify';
import { heartbeating } from '../heartbeat';
import type { RestoreHost } from './restore-host';

/** The restored server with the password of the product's account, read on this host from its folder. */
function signedIn(server: RestoredServer): DbInstance {
  return { ...server, password: adminPassword(server.dir) };
}

export function createHostRestoreActivities(
  config: CentralConfig,
  services: Pick<ArtifactServices, 'store' | 'keys'>,
  provisioner: RestoreProvisioner,
  host: RestoreHost,
): HostRestoreActivities {
  return {
    claimRestoreHost: ({ restoreId, flavor, needBytes }) => host.claim(restoreId, flavor, needBytes),
    async restoreBase({ restoreId, flavor, plan }) {
      const manifest = await verifiedManifest(config, services, plan);
      const site = await provisioner.provision(restoreId, { flavor, serverVersion: manifest.serverVersion });
      const server = await heartbeating('restore base backup', async () => {
        const restored = await restoreVerifiedBase(services, plan, manifest, site, Context.current().cancellationSignal);
        await verifyRestoredBase(restored, manifest.schemaTables);
        return restored;
      });
      const { password: _password, ...withoutPassword } = server;
      return { server: withoutPassword, schemaTables: manifest.schemaTables };
    },
    async fetchSegments({ restoreId, flavor, plan }) {
      const site = provisioner.siteOf(restoreId, flavor);
      return heartbeating('fetch binlogs', (report) =>
        fetchArchivedSegments(services, plan, site, (files, bytes) => report({ files, bytes }), Context.current().cancellationSignal),
      );
    },
    async applyToTarget({ plan, server, files, stallSeconds }) {
      if (plan.stop === null) return { route: 'none', appliedThrough: plan.backup.gtidExecuted, transactionsApplied: 0, seconds: 0 };
      const stop = plan.stop;
      return heartbeating('apply binlogs', (report) =>
        applyBinlogs({
          flavor: plan.flavor,
          db: connectionOf(signedIn(server)),
          binlogFiles: files,
          stop,
          ...(stallSeconds === undefined ? {} : { stallSeconds }),
          onProgress: (progress) => report(progress),
          signal: Context.current().cancellationSignal,
        }),
      );
    },
    async verifyRestore({ plan, server, schemaTables }) {
      return heartbeating('verify', () => verifyRestoredServer(plan, signedIn(server), schemaTables));
    },
    async releaseRestore({ restoreId, flavor }) {
      await provisioner.release(restoreId, flavor);
    },
  };
}

export function createCentralRestoreActivities(
  catalog: Catalog,
  services: Pick<ArtifactServices, 'store' | 'keys'>,
): CentralRestoreActivities {
  return {
    planRestore: (request) => loadRestorePlan(catalog, services, request),
    recordRestoreOutcome: (outcome) => recordRestoreOutcome(catalog, outcome),
    async pickVerificationTarget({ tenantId, clusterId, lookbackSeconds }) {
      const { windows } = await loadRecoverability(catalog, tenantId, clusterId);
      const at = verificationInstant(windows, lookbackSeconds * 1_000_000, Math.random());
      if (at === null) {
        throw new RestoreRefusedError(`cluster ${tenantId}/${clusterId} has no recoverable window to verify`, {
          hint: 'it takes a completed base backup and archived binlogs after it: check `pitr recoverable`',
        });
      }
      return { kind: 'instant', at };
    },
  };
}
