import { executeChild, proxyActivities, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { CentralRestoreActivities } from '../activities/restore/types';
import type { RestoreTarget } from '../domain/restore/target';
import type { PitrRestoreResult } from '../domain/restore/workflow-types';
import { pitrRestoreWorkflow } from './pitr-restore';

export interface RestoreVerificationInput {
  tenantId: string;
  clusterId: string;
  /** How far back from the newest archived commit the instant is drawn (default a day). */
  lookbackSeconds?: number;
}

const DEFAULT_LOOKBACK_SECONDS = 24 * 3600;

/**
 * Proves a cluster recoverable: restores it to a random recent instant, verifies it and tears
 * it down. Run by a Temporal Schedule per cluster; a failed run is the alert.
 */
export async function restoreVerificationWorkflow(
  input: RestoreVerificationInput,
): Promise<{ target: RestoreTarget; result: PitrRestoreResult }> {
  const { tenantId, clusterId } = input;
  upsertSearchAttributes({ TenantId: [tenantId], ClusterId: [clusterId] });
  const { pickVerificationTarget } = proxyActivities<CentralRestoreActivities>({
    startToCloseTimeout: '2 minutes',
    retry: { maximumAttempts: 5 },
  });
  const target = await pickVerificationTarget({ tenantId, clusterId, lookbackSeconds: input.lookbackSeconds ?? DEFAULT_LOOKBACK_SECONDS });
  const result = await executeChild(pitrRestoreWorkflow, {
    workflowId: `${workflowInfo().workflowId}-restore`,
    args: [{ tenantId, clusterId, target, verify: true }],
  });
  return { target, result };
}
