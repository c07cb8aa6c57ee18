import type { Context } from '@temporalio/activity';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { temporalActivity } from '../activities/temporal-failure';
import { InvalidInputError } from '../domain/errors';

export interface ClusterOwner {
  tenantId: string;
  clusterId: string;
}

/** An agent was handed work for a cluster other than its own: running it would back up the wrong database. */
export class ForeignClusterError extends InvalidInputError {
  constructor(activity: string, own: ClusterOwner, asked: string) {
    super(`this agent serves tenant ${own.tenantId} cluster ${own.clusterId} and refused ${activity} for ${asked}`, {
      hint: `run an agent whose configuration names that tenant and cluster; if one already does, check that no agent shares a task queue with another (every agent must be of a version that names its queue after tenant and cluster)`,
    });
  }
}

function describeRef(arg: unknown): string {
  if (typeof arg !== 'object' || arg === null) return 'a request naming no tenant or cluster';
  const { tenantId, clusterId } = arg as Partial<Record<'tenantId' | 'clusterId', unknown>>;
  return `tenant ${String(tenantId)} cluster ${String(clusterId)}`;
}

/** Throws `ForeignClusterError` unless the activity's first argument names the agent's own tenant and cluster. */
export function refuseForeignCluster(activity: string, own: ClusterOwner, args: readonly unknown[]): void {
  const ref = args[0] as Partial<ClusterOwner> | null | undefined;
  if (typeof ref !== 'object' || ref === null || ref.tenantId !== own.tenantId || ref.clusterId !== own.clusterId) {
    throw new ForeignClusterError(activity, own, describeRef(ref));
  }
}

/**
 * Every agent activity takes its tenant and cluster first; this checks them once for all of
 * them, before any touches the database, so a task that reaches the wrong agent fails for
 * good (non-retryable) instead of reading this cluster's data into another tenant's backup.
 */
export function agentTenancyInterceptor(own: ClusterOwner): ActivityInterceptorsFactory {
  return (ctx: Context) => ({
    inbound: {
      execute: async (input, next) => {
        await temporalActivity(async () => refuseForeignCluster(ctx.info.activityType, own, input.args))();
        return next(input);
      },
    },
  });
}
