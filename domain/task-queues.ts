import { type Flavor, tenantClusterName } from './backup';
import { majorMinor } from './restore/release';

/** Runs what needs only the catalog and object storage. */
export const CENTRAL_TASK_QUEUE = 'pitr-central';

/** Watchers of the agent queues: each holds its slot while its run lasts, so they have slots of their own. */
export const WATCH_TASK_QUEUE = 'pitr-watch';

export const VERIFY_TASK_QUEUE = 'pitr-verify';

/** The queue one cluster's agent polls: another tenant's cluster of the same id has its own. */
export function agentTaskQueue(tenantId: string, clusterId: string): string {
  return tenantClusterName('pitr-agent', tenantId, clusterId);
}

/**
 * The queue named after the cluster only, which agents of two tenants with the same cluster id
 * shared. Runs started before the per-tenant queue (patch `PATCHES.agentQueuePerTenant`) still
 * schedule their agent activities on it.
 */
export function legacyAgentTaskQueue(clusterId: string): string {
  return `pitr-agent-${clusterId}`;
}

/*
 * A restore's first host step goes to the shared queue of its backup's server release, where
 * every restore host able to run that release polls; the host that takes it answers with its
 * own queue, and every later step of the restore goes there (Temporal's worker-specific task
 * queues).
 */

/** Where restores started before releases and hosts had queues still send their steps. */
export const LEGACY_RESTORE_TASK_QUEUE = 'pitr-restore';

/** `pitr-restore-mysql-9.7`, `pitr-restore-mariadb-10.11`. */
export function restoreReleaseQueue(flavor: Flavor, release: string): string {
  return `pitr-restore-${flavor}-${release}`;
}

/** The release queue of a backup taken from a server reporting `serverVersion`; null when the version names no release. */
export function restoreQueueOfVersion(flavor: Flavor, serverVersion: string): string | null {
  const release = majorMinor(serverVersion);
  return release === null ? null : restoreReleaseQueue(flavor, release);
}

/** The queue only the restore host `hostId` polls. */
export function restoreHostQueue(hostId: string): string {
  return `pitr-restore-host-${hostId}`;
}

/** The queue of one `pitr dev check` run, so that no other worker takes its activity. */
export function stackCheckTaskQueue(processId: number): string {
  return `stack-check-${processId}`;
}
