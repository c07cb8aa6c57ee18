import { proxyActivities, setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import type { ClusterRef, RetentionActivities } from '../activities/retention/types';
import type { Recoverability } from '../domain/archive/recoverable';

export interface ExpireResult extends ClusterRef {
  expiredBackups: string[];
  expiredSegments: number;
  objectsDeleted: number;
  /** Holders that had ended without releasing their holds. */
  releasedHolds: string[];
  before: Recoverability['windows'];
  after: Recoverability['windows'];
}

const retry = { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 };
const catalog = proxyActivities<RetentionActivities>({ startToCloseTimeout: '2 minutes', retry });
const storage = proxyActivities<RetentionActivities>({ startToCloseTimeout: '1 hour', heartbeatTimeout: '1 minute', retry });

/**
 * Applies a cluster's retention policy: release the holds of readers that ended without
 * releasing them → plan → mark expiring → delete the objects → mark expired. The catalog marks an artifact expiring before any of its objects is deleted and
 * forgets it only once they are all gone, so a run that dies anywhere leaves rows `expiring`,
 * which no restore plans from and the next run finishes. Runs after each verified backup and
 * on the cluster's `expire` schedule.
 */
export async function expireWorkflow(input: ClusterRef): Promise<ExpireResult> {
  const { tenantId, clusterId } = input;
  upsertSearchAttributes({ TenantId: [tenantId], ClusterId: [clusterId] });
  const releasedHolds = await catalog.releaseStaleHolds(input);
  const { decision } = await catalog.planExpiry(input);
  const marked = await catalog.markExpiring({ ...input, chosen: { backups: decision.backups, segments: decision.segments } });
  const count = marked.backups.length + marked.segments.length;
  let objectsDeleted = 0;
  if (count > 0) {
    setCurrentDetails(`deleting the objects of ${marked.backups.length} backups and ${marked.segments.length} binlogs`);
    ({ objectsDeleted } = await storage.deleteExpiringObjects({ ...input, artifacts: marked }));
    await catalog.markExpired({ ...input, artifacts: marked });
  }
  setCurrentDetails(`expired ${marked.backups.length} backups and ${marked.segments.length} binlogs`);
  return {
    tenantId,
    clusterId,
    expiredBackups: marked.backups.map((b) => b.backupId),
    expiredSegments: marked.segments.length,
    objectsDeleted,
    releasedHolds,
    before: decision.before.windows,
    after: decision.after.windows,
  };
}
