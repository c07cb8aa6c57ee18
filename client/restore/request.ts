import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, type Client, type WorkflowHandle } from '@temporalio/client';
import { createHash } from 'node:crypto';
import { InvalidInputError } from '../../domain/errors';
import { describeTarget } from '../../domain/restore/target';
import type { PitrRestoreInput } from '../../domain/restore/workflow-types';
import { pitrRestoreWorkflow } from '../../workflows';
import { CENTRAL_TASK_QUEUE } from '../../workers/task-queues';

export interface RestoreRequest extends PitrRestoreInput {
  /** The same key returns the same restore, running or finished, however often it is requested. */
  idempotencyKey: string;
}

export interface RequestedRestore {
  restoreId: string;
  /** false: an earlier request with the same key had started it. */
  started: boolean;
  handle: WorkflowHandle<typeof pitrRestoreWorkflow>;
}

/** One workflow id per tenant, cluster and key; the key is hashed so any text fits. */
export function restoreWorkflowId(tenantId: string, clusterId: string, idempotencyKey: string): string {
  const key = createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 24);
  return `restore-${tenantId}-${clusterId}-${key}`;
}

/** Starts a PitrRestoreWorkflow, or returns the one an earlier request with the same idempotency key started. */
export async function requestRestore(client: Client, request: RestoreRequest): Promise<RequestedRestore> {
  const { idempotencyKey, ...input } = request;
  if (idempotencyKey.trim() === '') {
    throw new InvalidInputError('the idempotency key is empty', { hint: 'pass a key that names this restore request, e.g. the incident id' });
  }
  const restoreId = restoreWorkflowId(input.tenantId, input.clusterId, idempotencyKey);
  try {
    const handle = await client.workflow.start(pitrRestoreWorkflow, {
      taskQueue: CENTRAL_TASK_QUEUE,
      workflowId: restoreId,
      args: [input],
      // A finished restore under the same key is the answer too: never start a second one.
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      memo: { target: describeTarget(input.target) },
    });
    return { restoreId, started: true, handle };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    return { restoreId, started: false, handle: client.workflow.getHandle<typeof pitrRestoreWorkflow>(restoreId) };
  }
}
