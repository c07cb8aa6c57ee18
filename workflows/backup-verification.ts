import { proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { VerifyActivities } from '../activities/backup/types';
import type { BackupRef } from '../domain/backup';

/**
 * The `backup.completed` hand-off: re-reads the whole artifact, checking every chunk and the
 * manifest's checksum and signature. A terminal failure quarantines the backup.
 */
export async function backupVerificationWorkflow(input: { ref: BackupRef; manifestKey: string }): Promise<{ plainBytes: number; storedSha256: string }> {
  upsertSearchAttributes({ TenantId: [input.ref.tenantId], ClusterId: [input.ref.clusterId] });
  const { verifyBackupArtifact } = proxyActivities<VerifyActivities>({
    startToCloseTimeout: '12 hours',
    heartbeatTimeout: '2 minutes',
    retry: { initialInterval: '10 seconds', maximumAttempts: 5, nonRetryableErrorTypes: ['ArtifactCorruptError', 'ManifestRejectedError'] },
    summary: `verify backup ${input.ref.backupId}`,
  });
  return verifyBackupArtifact(input);
}
