import {
  CancellationScope,
  ParentClosePolicy,
  patched,
  proxyActivities,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { VerifyActivities } from '../activities/backup/types';
import type { RetentionActivities } from '../activities/retention/types';
import type { BackupRef } from '../domain/backup';
import { CENTRAL_TASK_QUEUE } from '../domain/task-queues';
import { expireWorkflow } from './expire';
import { PATCHES } from './patches';

/**
 * The `backup.completed` hand-off: re-reads the whole artifact, checking every chunk and the
 * manifest's checksum and signature. A terminal failure quarantines the backup.
 *
 * A verified backup is recorded as such and then starts the cluster's expiry: retention runs
 * after a backup is proven, not merely registered, so an older backup is never expired in
 * favour of one that verification is about to quarantine. The expiry is an abandoned child:
 * it outlives this workflow, and its id (`<backup>-expire`) makes a replayed start a no-op.
 */
export async function backupVerificationWorkflow(input: {
  ref: BackupRef;
  manifestKey: string;
}): Promise<{ plainBytes: number; storedSha256: string }> {
  upsertSearchAttributes({ TenantId: [input.ref.tenantId], ClusterId: [input.ref.clusterId] });
  const { verifyBackupArtifact } = proxyActivities<VerifyActivities>({
    startToCloseTimeout: '12 hours',
    heartbeatTimeout: '2 minutes',
    retry: { initialInterval: '10 seconds', maximumAttempts: 5 },
    summary: `verify backup ${input.ref.backupId}`,
  });
  if (!patched(PATCHES.retention)) return verifyBackupArtifact(input);

  const retention = proxyActivities<RetentionActivities>({
    taskQueue: CENTRAL_TASK_QUEUE,
    startToCloseTimeout: '2 minutes',
    retry: { maximumAttempts: 10 },
  });
  const { tenantId, clusterId, backupId } = input.ref;
  const holder = workflowInfo().workflowId;
  await retention.holdArtifacts({ tenantId, clusterId, holder, backupIds: [backupId], segments: [] });
  let verified: Awaited<ReturnType<VerifyActivities['verifyBackupArtifact']>>;
  try {
    verified = await verifyBackupArtifact(input);
  } finally {
    await CancellationScope.nonCancellable(() => retention.releaseHolds({ tenantId, clusterId, holder }));
  }
  await retention.recordBackupVerified({ tenantId, clusterId, backupId });
  await startChild(expireWorkflow, {
    workflowId: `${backupId}-expire`,
    taskQueue: CENTRAL_TASK_QUEUE,
    args: [{ tenantId, clusterId }],
    parentClosePolicy: ParentClosePolicy.ABANDON,
  });
  return verified;
}
