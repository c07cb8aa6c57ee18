import { Context } from '@temporalio/activity';
import { applyBinlogs } from '../apply';
import type { ArtifactServices } from '../artifact/services';
import { Catalog } from '../catalog/catalog';
import type { CentralConfig } from '../config/config';
import { connectionOf } from '../engines';
import { restoreVerifiedBase, verifiedManifest } from './base';
import { fetchArchivedSegments } from './fetch';
import { insertRestoreOutcome } from './outcomes';
import { loadRestorePlan } from './plan';
import type { RestoreProvisioner } from './provisioner';
import type { CentralRestoreActivities, HostRestoreActivities } from './types';
import { verifyRestoredServer } from './verify';

/** Heartbeats at most every `intervalMs`: progress without flooding history. */
function throttledHeartbeat(intervalMs = 2000): (details: unknown) => void {
  let last = 0;
  return (details) => {
    if (Date.now() - last >= intervalMs) {
      last = Date.now();
      Context.current().heartbeat(details);
    }
  };
}

/** Keeps a step that reports nothing of its own (a server restore, a dump load) heartbeating while it runs. */
async function heartbeating<T>(step: string, run: () => Promise<T>): Promise<T> {
  const context = Context.current();
  context.heartbeat({ step });
  const timer = setInterval(() => context.heartbeat({ step }), 2000);
  try {
    return await run();
  } finally {
    clearInterval(timer);
  }
}

export function createHostRestoreActivities(
  config: CentralConfig,
  services: Pick<ArtifactServices, 'store' | 'keys'>,
  provisioner: RestoreProvisioner,
): HostRestoreActivities {
  return {
    async restoreBase({ restoreId, flavor, plan }) {
      const manifest = await verifiedManifest(config, services, plan);
      const site = await provisioner.provision(restoreId, flavor);
      const server = await heartbeating('restore base backup', () => restoreVerifiedBase(services, plan, manifest, site, Context.current().cancellationSignal));
      return { server, schemaTables: manifest.schemaTables };
    },
    async fetchSegments({ restoreId, flavor, plan }) {
      const heartbeat = throttledHeartbeat();
      const site = provisioner.siteOf(restoreId, flavor);
      return fetchArchivedSegments(services, plan, site, (files, bytes) => heartbeat({ files, bytes }), Context.current().cancellationSignal);
    },
    async applyToTarget({ plan, server, files }) {
      const heartbeat = throttledHeartbeat();
      if (plan.stop === null) return { route: 'none', appliedThrough: plan.backup.gtidExecuted, transactionsApplied: 0, seconds: 0 };
      const result = await applyBinlogs({
        flavor: plan.flavor,
        db: connectionOf(server),
        binlogFiles: files,
        stop: plan.stop,
        onProgress: (progress) => heartbeat(progress),
        signal: Context.current().cancellationSignal,
      });
      return result;
    },
    async verifyRestore({ plan, server, schemaTables }) {
      return heartbeating('verify', () => verifyRestoredServer(plan, server, schemaTables));
    },
    async releaseRestore({ restoreId, flavor }) {
      await provisioner.release(restoreId, flavor);
    },
  };
}

export function createCentralRestoreActivities(catalog: Catalog, services: Pick<ArtifactServices, 'store' | 'keys'>): CentralRestoreActivities {
  return {
    planRestore: (request) => loadRestorePlan(catalog, services, request),
    recordRestoreOutcome: (outcome) => insertRestoreOutcome(catalog, outcome),
  };
}
