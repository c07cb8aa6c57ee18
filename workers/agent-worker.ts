import { createAgentArchiveActivities } from '../activities/archive/agent';
import { createAgentBackupActivities } from '../activities/backup/agent';
import { AgentConfig } from '../activities/config/config';
import { temporalActivities } from '../activities/temporal-failure';
import { agentTaskQueue } from '../domain/backup';
import type { RunningWorkers } from './central-worker';
import { createWorker } from './create-worker';

/**
 * The agent on a database host: polls its cluster's task queue and runs the activities that
 * touch the database or its disk. Credentials stay in its configuration file.
 */
export async function startAgentWorker(config: AgentConfig): Promise<RunningWorkers> {
  const { worker, connection } = await createWorker({
    address: config.temporal.address,
    namespace: config.temporal.namespace,
    taskQueue: agentTaskQueue(config.clusterId),
    activities: temporalActivities({ ...createAgentBackupActivities(config), ...createAgentArchiveActivities(config) }),
    activitiesOnly: true,
  });
  return {
    workers: [worker],
    run: () => worker.run(),
    shutdown: () => worker.getState() === 'RUNNING' && worker.shutdown(),
    close: () => connection.close(),
  };
}
