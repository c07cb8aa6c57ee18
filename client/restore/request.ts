import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { createHash } from 'node:crypto';
import { tenantClusterKey } from '../../domain/backup';
import { InvalidInputError } from '../../domain/errors';
import { describeTarget } from '../../domain/restore/target';
import type { PitrRestoreInput, PitrRestoreResult } from '../../domain/restore/workflow-types';
import { asRunFailure } from '../workflow-failure';
import { pitrRestoreWorkflow } from '../../workflows';
import { CENTRAL_TASK_QUEUE } from '../../domain/task-queues';

export interface RestoreRequest extends PitrRestoreInput {
  /** The same key returns the same restore, running or finished, however often it is requested. */
  idempotencyKey: string;
}

export interface RequestedRestore {
  restoreId: string;
  /** false: an earlier request with the same key had started it. */
  started: boolean;
  handle: WorkflowHandle<typeof pitrRestoreWorkflow>;
  /** Waits for the restore; a failed one rejects with WorkflowRunFailedError (its type, message, hint and restore id). */
  result(): Promise<PitrRestoreResult>;
}

function requested(restoreId: string, started: boolean, handle: WorkflowHandle<typeof pitrRestoreWorkflow>): RequestedRestore {
  return {
    restoreId,
    started,
    handle,
    result: () =>
      handle.result().catch((err: unknown) => {
        throw asRunFailure(err, restoreId, 'restore');
      }),
  };
}

const TENANT_ID = defineSearchAttributeKey('TenantId', SearchAttributeType.KEYWORD);
const CLUSTER_ID = defineSearchAttributeKey('ClusterId', SearchAttributeType.KEYWORD);

const keyDigest = (idempotencyKey: string): string => createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 24);

/** One workflow id per tenant, cluster and key; the key is hashed so any text fits. */
export function restoreWorkflowId(tenantId: string, clusterId: string, idempotencyKey: string): string {
  return `restore.${tenantClusterKey(tenantId, clusterId)}-${keyDigest(idempotencyKey)}`;
}

/**
 * The id of the earlier scheme, which joined tenant and cluster with '-': tenant `a-b`/cluster `c`
 * and tenant `a`/cluster `b-c` shared it. A restore it names answers a repeated request only if it
 * is this tenant's and cluster's.
 */
async function earlierRestore(client: Client, tenantId: string, clusterId: string, idempotencyKey: string) {
  const handle = client.workflow.getHandle<typeof pitrRestoreWorkflow>(`restore-${tenantId}-${clusterId}-${keyDigest(idempotencyKey)}`);
  const found = await handle.describe().catch((err: unknown) => {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  });
  const attributes = found?.typedSearchAttributes;
  const owned = attributes?.get(TENANT_ID) === tenantId && attributes?.get(CLUSTER_ID) === clusterId;
  return owned ? handle : undefined;
}

/** Starts a PitrRestoreWorkflow, or returns the one an earlier request with the same idempotency key started. */
export async function requestRestore(client: Client, request: RestoreRequest): Promise<RequestedRestore> {
  const { idempotencyKey, ...input } = request;
  if (idempotencyKey.trim() === '') {
    throw new InvalidInputError('the idempotency key is empty', {
      hint: 'pass a key that names this restore request, e.g. the incident id',
    });
  }
  const earlier = await earlierRestore(client, input.tenantId, input.clusterId, idempotencyKey);
  if (earlier) return requested(earlier.workflowId, false, earlier);
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
    return requested(restoreId, true, handle);
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    return requested(restoreId, false, client.workflow.getHandle<typeof pitrRestoreWorkflow>(restoreId));
  }
}
