import { ApplicationFailure, continueAsNew, proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { AgentArchiveActivities, CentralArchiveActivities } from '../activities/archive/types';
import type { CentralBackupActivities } from '../activities/backup/types';
import type { ArchiveRef } from '../domain/archive/types';
import { notStreamedRefusal, STREAM_RETRY_MAX_SECONDS } from '../domain/archive/stream-mirror';
import { agentTaskQueue } from '../domain/task-queues';
import { AgentQueueWatch } from './agent-queue-watch';

/** One run of the receiver: then the workflow continues as new, so its history stays short however long the stream lives. */
export const STREAM_RUN_SECONDS = 10 * 60;

/**
 * The binlog stream of a cluster registered with `--archive stream`: its agent follows the
 * server over the replication protocol, as a replica does, into a mirror on the agent's host,
 * where archive passes take the closed binlogs from. A long-running activity receives; each
 * run lasts STREAM_RUN_SECONDS, then the workflow continues as new with the archive's newest
 * file, so a restarted receiver resumes at the first binlog still to archive. A receiver that
 * loses its server (a restart, a failover, a cut network) or its agent fails its attempt and is
 * retried within seconds, for ever: the stream stops only when its workflow is cancelled
 * (`pitr binlogs stream --stop`).
 */
export async function binlogStreamWorkflow(input: ArchiveRef): Promise<never> {
  const { tenantId, clusterId } = input;
  upsertSearchAttributes({ TenantId: [tenantId], ClusterId: [clusterId] });
  const central = proxyActivities<Pick<CentralArchiveActivities, 'newestArchivedFile'> & Pick<CentralBackupActivities, 'loadCluster'>>({
    startToCloseTimeout: '1 minute',
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
  });
  const cluster = await central.loadCluster(input);
  if (cluster.archiveSource !== 'stream') {
    const { message, hint } = notStreamedRefusal(clusterId);
    throw ApplicationFailure.nonRetryable(`${message} (what to do: ${hint})`, 'ArchiveSourceError');
  }
  const queue = agentTaskQueue(tenantId, clusterId);
  const watch = new AgentQueueWatch(tenantId, clusterId);
  watch.watch(queue);
  const agent = watch.agents(
    proxyActivities<AgentArchiveActivities>({
      taskQueue: queue,
      startToCloseTimeout: `${STREAM_RUN_SECONDS + 120} seconds`,
      // Short: a dead agent's stream moves to the next one within seconds, and its progress shows as often.
      heartbeatTimeout: '10 seconds',
      retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: `${STREAM_RETRY_MAX_SECONDS} seconds` },
    }),
  );
  const newestArchived = await central.newestArchivedFile(input);
  watch.details(`receiving the binlogs of ${clusterId} from its server (newest archived: ${newestArchived?.file ?? 'none'})`);
  const followed = await agent.followBinlogStream({ ...input, newestArchived, runForSeconds: STREAM_RUN_SECONDS });
  watch.details(`received through ${followed.lastFile} (${followed.lastFileBytes} bytes) of server ${followed.serverKey}`);
  return continueAsNew<typeof binlogStreamWorkflow>(input);
}
