import { createAgentArchiveActivities } from '../activities/archive/agent-activities';
import { createAgentBackupActivities } from '../activities/backup/agent-activities';
import type { AgentConfig } from '../adapters/config/config';
import { temporalActivities } from '../activities/temporal-failure';
import { agentTaskQueue, legacyAgentTaskQueue } from '../domain/task-queues';
import { agentTenancyInterceptor } from './agent-tenancy';
import { createWorker, type RunningWorkers, runningWorkers } from './create-worker';

/**
 * The agent on a database host: polls its cluster's task queue and runs the activities that
 * touch the database or its disk. Credentials stay in its configuration file.
 *
 * It also polls the queue named after the cluster only, where runs started before queues named
 * the tenant still schedule their activities; that queue may be shared with another tenant's
 * agent, which is why every activity first proves it is for this agent's tenant and cluster.
 */
export async function startAgentWorker(config: AgentConfig): Promise<RunningWorkers> {
  const activities = temporalActivities({ ...createAgentBackupActivities(config), ...createAgentArchiveActivities(config) });
  const interceptors = { activity: [agentTenancyInterceptor({ tenantId: config.tenantId, clusterId: config.clusterId })] };
  const created = await Promise.all(
    [agentTaskQueue(config.tenantId, config.clusterId), legacyAgentTaskQueue(config.clusterId)].map((taskQueue) =>
      createWorker({
        address: config.temporal.address,
        namespace: config.temporal.namespace,
        taskQueue,
        activities,
        interceptors,
        activitiesOnly: true,
      }),
    ),
  );
  return runningWorkers(created);
}
