import type { Client } from '@temporalio/client';
import { describeQueuePollers } from '../../activities/agent-queue/pollers';
import { majorMinor } from '../../domain/restore/release';
import type { RestorePlan } from '../../domain/restore/plan';
import { restoreQueueOfVersion } from '../../domain/task-queues';

/** The server release a plan's restore runs on, and whether a restore host able to run it is polling. */
export interface PlanRestoreHosts {
  /** e.g. `mariadb 11.8`; null when the backup records no release (no restore host can be chosen). */
  release: string | null;
  queue: string | null;
  polled: boolean;
  lastPollAt?: string;
  /** Why Temporal could not say who polls (a plan is made from the catalog alone, so it is still shown). */
  pollersUnknown?: string;
}

export async function restoreHostsOfPlan(
  client: (use: (client: Client) => Promise<PlanRestoreHosts>) => Promise<PlanRestoreHosts>,
  plan: RestorePlan,
): Promise<PlanRestoreHosts> {
  const version = plan.backup.serverVersion;
  const queue = version === undefined ? null : restoreQueueOfVersion(plan.flavor, version);
  if (queue === null || version === undefined) return { release: null, queue: null, polled: false };
  const release = `${plan.flavor} ${majorMinor(version)}`;
  try {
    return await client(async (c) => {
      const { polled, lastPollAt } = await describeQueuePollers(c, queue);
      return { release, queue, polled, ...(lastPollAt === undefined ? {} : { lastPollAt }) };
    });
  } catch (err) {
    return { release, queue, polled: false, pollersUnknown: (err as Error).message };
  }
}

export function restoreHostsText(hosts: PlanRestoreHosts, plan: RestorePlan): string {
  if (hosts.release === null) {
    return `restore host none can be chosen: backup ${plan.backup.backupId} records no server release (${plan.backup.serverVersion ?? 'no version'})`;
  }
  const needs = `restore host ${hosts.release} (queue ${hosts.queue})`;
  if (hosts.pollersUnknown !== undefined) return `${needs}: Temporal could not say who polls it (${hosts.pollersUnknown})`;
  if (hosts.polled) return `${needs}: a restore host polls it, last at ${hosts.lastPollAt}`;
  return [
    `${needs}: NO restore host polls it${hosts.lastPollAt === undefined ? '' : ` (last poll ${hosts.lastPollAt})`}; a restore would wait`,
    `             start \`pitr worker --queue restore\` on a host that runs ${hosts.release} (restoreHost.servers in its configuration)`,
  ].join('\n');
}
