import { createHash } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Flavor } from '../../domain/backup';
import { PitrError } from '../../domain/errors';
import { majorMinor } from '../../domain/restore/release';
import { stopDbInstance } from '../../adapters/servers/db-instance';
import type { ServerBinaries } from '../../adapters/servers/server-binaries';

/** Where one restore's files and server live, on the host that runs the restore activities. */
export interface RestoreSite {
  restoreId: string;
  flavor: Flavor;
  /** The base backup payload as unpacked. */
  payloadDir: string;
  /** Archived binlogs fetched for the apply. */
  binlogDir: string;
  /** The restored server's own folder (datadir, socket, relay log). */
  serverDir: string;
  /** Differs from any source server's: the applier skips events a server wrote itself. */
  serverId: number;
}

/** A site as `provision` made it: with the server release the restore runs on. */
export interface ProvisionedSite extends RestoreSite {
  server: ServerBinaries;
}

/** The server a restore needs: the source's flavor and version. */
export interface RestoreServerSpec {
  flavor: Flavor;
  /** `@@version` of the source as its signed manifest records it; null when nothing recorded it (an imported legacy dump). */
  serverVersion: string | null;
}

/** No release this restore host runs is the backup's major.minor release. */
export class RestoreServerVersionError extends PitrError {
  constructor(flavor: Flavor, sourceVersion: string, runs: string[]) {
    const have = runs.length === 0 ? `no ${flavor} server` : `${flavor} ${runs.join(', ')}`;
    super(`the backup comes from ${flavor} ${sourceVersion}; this restore host runs ${have}: another major.minor release`, {
      hint: `restore on a host that runs ${flavor} ${majorMinor(sourceVersion) ?? sourceVersion}.x (restoreHost.servers in its configuration); a data directory or dump of one release is not restored by another`,
      terminal: true,
    });
  }
}

/**
 * The release of this host's that runs a backup of `sourceVersion`: the same major.minor, since
 * a data directory or dump of one release is not restored by another. A backup whose source
 * version nothing recorded (an imported legacy dump) runs on the flavor's first release.
 */
export function serverFor(servers: readonly ServerBinaries[], { flavor, serverVersion }: RestoreServerSpec): ServerBinaries {
  const ofFlavor = servers.filter((s) => s.flavor === flavor);
  const found = serverVersion === null ? ofFlavor[0] : ofFlavor.find((s) => s.release === majorMinor(serverVersion));
  if (found === undefined) {
    throw new RestoreServerVersionError(
      flavor,
      serverVersion ?? 'an unrecorded version',
      ofFlavor.map((s) => s.version),
    );
  }
  return found;
}

/**
 * Provides the place an ephemeral restored instance runs and takes it away again. The local
 * process provisioner serves tests and the demo; a Kubernetes or Terraform one would create a
 * pod or VM with a volume here and delete it in `release`.
 */
export interface RestoreProvisioner {
  /** The site, with the release that runs it; refuses a backup of a release the host does not run (RestoreServerVersionError). */
  provision(restoreId: string, server: RestoreServerSpec): Promise<ProvisionedSite>;
  /** The site `provision` made, for the later steps of the same restore. */
  siteOf(restoreId: string, flavor: Flavor): RestoreSite;
  /** Stops the instance and removes everything `provision` created; releasing twice is harmless. */
  release(restoreId: string, flavor: Flavor): Promise<void>;
}

// Source servers use small ids; restored ones take theirs from a range above, derived from the restore.
const RESTORED_SERVER_ID_BASE = 1_000_000_000;

function restoredServerId(restoreId: string): number {
  return RESTORED_SERVER_ID_BASE + (createHash('sha256').update(restoreId).digest().readUInt32BE(0) % 1_000_000_000);
}

/** The folder of one restore under a host's restore root. */
export function restoreFolder(root: string, restoreId: string): string {
  return join(root, restoreId.replace(/[^A-Za-z0-9._-]/g, '_'));
}

/** Restored instances as local processes under one folder of this host. */
export class LocalProcessProvisioner implements RestoreProvisioner {
  constructor(
    private readonly root: string,
    /** The server releases this host runs. */
    private readonly servers: readonly ServerBinaries[],
  ) {}

  siteOf(restoreId: string, flavor: Flavor): RestoreSite {
    const dir = restoreFolder(this.root, restoreId);
    return {
      restoreId,
      flavor,
      payloadDir: join(dir, 'payload'),
      binlogDir: join(dir, 'binlogs'),
      serverDir: join(dir, 'server'),
      serverId: restoredServerId(restoreId),
    };
  }

  async provision(restoreId: string, spec: RestoreServerSpec): Promise<ProvisionedSite> {
    const server = serverFor(this.servers, spec);
    const site = { ...this.siteOf(restoreId, spec.flavor), server };
    // A retried provision starts over: whatever a failed attempt left is not trusted. The folder itself stays, with
    // the host's claim on it.
    await stopDbInstance(site.serverDir);
    for (const dir of [site.payloadDir, site.binlogDir, site.serverDir]) rmSync(dir, { recursive: true, force: true });
    mkdirSync(site.binlogDir, { recursive: true });
    return site;
  }

  async release(restoreId: string, flavor: Flavor): Promise<void> {
    const site = this.siteOf(restoreId, flavor);
    await stopDbInstance(site.serverDir);
    rmSync(join(site.serverDir, '..'), { recursive: true, force: true });
  }
}
