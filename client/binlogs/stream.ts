import {
  CancelledFailure,
  type Client,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
} from '@temporalio/client';
import type { Cluster } from '../../adapters/catalog/clusters';
import { binlogStreamWorkflowId, notStreamedRefusal } from '../../domain/archive/stream-mirror';
import { InvalidInputError } from '../../domain/errors';
import type { ArchiveRef } from '../../domain/archive/types';
import { CENTRAL_TASK_QUEUE } from '../../domain/task-queues';
import { binlogStreamWorkflow } from '../../workflows';

export interface StreamState {
  workflowId: string;
  /** What the call did: started the stream, found it running, or stopped it (or found none to stop). */
  outcome: 'started' | 'running' | 'stopped' | 'not running';
}

/** Refuses, before anything starts, a stream for a cluster whose archive reads the server's folder: its run would only fail. */
export function requireStreamedCluster(cluster: Cluster): void {
  if (cluster.archiveSource === 'stream') return;
  const { message, hint } = notStreamedRefusal(cluster.clusterId);
  throw new InvalidInputError(message, { hint });
}

/** Starts the cluster's binlog stream; one that runs already is left as it is. */
export async function startBinlogStream(client: Client, ref: ArchiveRef): Promise<StreamState> {
  const workflowId = binlogStreamWorkflowId(ref.tenantId, ref.clusterId);
  try {
    await client.workflow.start(binlogStreamWorkflow, { taskQueue: CENTRAL_TASK_QUEUE, workflowId, args: [ref] });
    return { workflowId, outcome: 'started' };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    return { workflowId, outcome: 'running' };
  }
}

/** Cancels the cluster's binlog stream and waits for its receiver to stop; what it received stays for the archive passes. */
export async function stopBinlogStream(client: Client, ref: ArchiveRef): Promise<StreamState> {
  const workflowId = binlogStreamWorkflowId(ref.tenantId, ref.clusterId);
  const handle = client.workflow.getHandle(workflowId);
  try {
    const { status } = await handle.describe();
    if (status.name !== 'RUNNING') return { workflowId, outcome: 'not running' };
    await handle.cancel();
    await handle.result().catch((err: unknown) => {
      if (!(err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure)) throw err;
    });
    return { workflowId, outcome: 'stopped' };
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    return { workflowId, outcome: 'not running' };
  }
}
