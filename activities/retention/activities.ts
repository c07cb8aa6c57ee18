import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import { decideExpiry, segmentId, type SegmentRef } from '../../domain/retention/expiry';
import type { ArtifactServices } from '../../adapters/artifact/services';
import type { ObjectStore } from '../../adapters/storage/object-store';
import { markBackupVerified } from '../../adapters/catalog/backups';
import type { Catalog } from '../../adapters/catalog/catalog';
import {
  holdArtifacts,
  holders,
  loadRetentionState,
  lockRetention,
  markExpired,
  markExpiring,
  releaseHolds,
  retentionState,
} from '../../adapters/catalog/retention';
import type { ExpiryPlan, RetentionActivities } from './types';

/** What expiry would remove from a cluster now; `pitr expire --dry-run` shows it as it is. */
export async function planExpiry(catalog: Catalog, tenantId: string, clusterId: string, now = new Date()): Promise<ExpiryPlan> {
  const state = await loadRetentionState(catalog, tenantId, clusterId, now);
  return {
    tenantId,
    clusterId,
    decision: decideExpiry(state.input),
    holds: state.holds.map((h) => `${h.holder}: ${h.kind === 'backup' ? 'backup' : 'binlog'} ${h.artifactId}`),
  };
}

/** Deletes objects and any upload left open on their keys; an object already gone is no error. */
export async function deleteObjects(
  store: ObjectStore,
  keys: readonly string[],
  progress: (done: number, key: string) => void,
): Promise<void> {
  for (const [done, key] of keys.entries()) {
    progress(done, key);
    for (const upload of await store.listMultipartUploads(key)) await store.abortMultipart(key, upload.uploadId);
    await store.delete(key);
  }
}

export function createRetentionActivities(catalog: Catalog, services: Pick<ArtifactServices, 'store'>): RetentionActivities {
  return {
    planExpiry: ({ tenantId, clusterId }) => planExpiry(catalog, tenantId, clusterId),

    markExpiring: ({ tenantId, clusterId, chosen }) =>
      catalog.withTenant(tenantId, async (db) => {
        await lockRetention(db, tenantId, clusterId);
        const fresh = decideExpiry((await retentionState(db, tenantId, clusterId, new Date())).input);
        const backups = new Set(fresh.backups);
        const segments = new Set(fresh.segments.map(segmentId));
        return markExpiring(db, clusterId, {
          backups: chosen.backups.filter((id) => backups.has(id)),
          segments: chosen.segments.filter((s: SegmentRef) => segments.has(segmentId(s))),
        });
      }),

    async deleteExpiringObjects({ artifacts }) {
      const keys = [...artifacts.backups, ...artifacts.segments].flatMap((a) => a.objectKeys);
      await deleteObjects(services.store, keys, (done, key) => Context.current().heartbeat({ deleting: key, done, of: keys.length }));
      return { objectsDeleted: keys.length };
    },

    markExpired: ({ tenantId, clusterId, artifacts }) =>
      markExpired(catalog, tenantId, clusterId, { backups: artifacts.backups.map((b) => b.backupId), segments: artifacts.segments }),

    // A holder that ended without releasing (terminated, or timed out) would keep its artifacts forever.
    async releaseStaleHolds({ tenantId, clusterId }) {
      const client = Context.current().client;
      const released: string[] = [];
      for (const holder of await holders(catalog, tenantId, clusterId)) {
        try {
          if ((await client.workflow.getHandle(holder).describe()).status.name === 'RUNNING') continue;
        } catch (err) {
          if (!(err instanceof WorkflowNotFoundError)) throw err;
        }
        await releaseHolds(catalog, { tenantId, clusterId, holder });
        released.push(holder);
      }
      return released;
    },

    holdArtifacts: (request) => holdArtifacts(catalog, request),
    releaseHolds: (request) => releaseHolds(catalog, request),
    recordBackupVerified: ({ tenantId, clusterId, backupId }) => markBackupVerified(catalog, { tenantId, clusterId, backupId }),
  };
}
