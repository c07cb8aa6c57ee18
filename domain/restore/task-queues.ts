import type { Flavor } from '../backup';
import { majorMinor } from './release';

/**
 * The one owner of restore task queue names. A restore's first host step goes to the shared
 * queue of its backup's server release, where every restore host able to run that release
 * polls; the host that takes it answers with its own queue, and every later step of the
 * restore goes there (Temporal's worker-specific task queues).
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
