import { restoreOrphansRemoved } from '../metrics';
import type { RestoreProvisioner } from './provisioner';
import type { HostClaim, RestoreHost } from './restore-host';

/**
 * Stops the server and removes the folder of every restore this host holds whose workflow is
 * no longer running (finished, failed, terminated, or gone from Temporal): a host that crashed
 * or was unreachable at teardown leaves them behind. Returns what it removed.
 */
export async function sweepOrphans(
  host: RestoreHost,
  provisioner: RestoreProvisioner,
  isRunning: (restoreId: string) => Promise<boolean>,
  log: (message: string, claim: HostClaim) => void,
): Promise<HostClaim[]> {
  const removed: HostClaim[] = [];
  for (const claim of host.claims()) {
    if (await isRunning(claim.restoreId)) continue;
    await provisioner.release(claim.restoreId, claim.flavor);
    restoreOrphansRemoved.inc({ host: host.id });
    log(
      `restore host ${host.id} removed the instance and folder of restore ${claim.restoreId}, whose workflow is no longer running`,
      claim,
    );
    removed.push(claim);
  }
  return removed;
}
