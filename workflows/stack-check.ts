import { proxyActivities } from '@temporalio/workflow';
import type { StackCheckActivities } from '../devstack/stack-check-activities';

const { checkServices } = proxyActivities<StackCheckActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 3 },
});

/** Proves a worker is polling and can reach every service it is configured with. */
export async function stackCheckWorkflow(): Promise<Awaited<ReturnType<StackCheckActivities['checkServices']>>> {
  return checkServices();
}
