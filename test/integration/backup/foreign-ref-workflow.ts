import { proxyActivities } from '@temporalio/workflow';
import type { AgentBackupActivities } from '../../../activities/backup/types';
import type { BackupRef, PrepareResult } from '../../../domain/backup';

/** Hands an agent's queue a backup phase for whatever ref it is given, as a confused or hostile workflow could. */
export async function prepareOnQueueWorkflow(taskQueue: string, ref: BackupRef): Promise<PrepareResult> {
  const { prepareBackup } = proxyActivities<AgentBackupActivities>({
    taskQueue,
    startToCloseTimeout: '1 minute',
    retry: { initialInterval: '1 second', maximumAttempts: 3 },
  });
  return prepareBackup(ref);
}
