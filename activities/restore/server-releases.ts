import type { Flavor } from '../../domain/backup';
import { majorMinor } from '../../domain/restore/release';
import { ToolchainMissingError } from '../local/toolchain';
import { binaryVersion } from './provisioner';

/** A server release this host's binaries run. */
export interface ServerRelease {
  flavor: Flavor;
  /** major.minor, e.g. `9.7`. */
  release: string;
  version: string;
}

/** The releases of the server binaries installed on this host; a flavor without its binary is left out. */
export async function serverReleases(): Promise<ServerRelease[]> {
  const found: ServerRelease[] = [];
  for (const flavor of ['mysql', 'mariadb'] as const) {
    let version: string;
    try {
      version = await binaryVersion(flavor);
    } catch (err) {
      if (err instanceof ToolchainMissingError) continue;
      throw err;
    }
    const release = majorMinor(version);
    if (release !== null) found.push({ flavor, release, version });
  }
  return found;
}
