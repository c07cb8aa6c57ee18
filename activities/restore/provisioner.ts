import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Flavor } from '../../domain/backup';
import { PitrError } from '../../domain/errors';
import { majorMinor } from '../../domain/restore/release';
import { stopDbInstance } from '../local/db-instance';
import { toolchain } from '../local/toolchain';

const run = promisify(execFile);

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

/** The server a restore needs: the source's flavor and version. */
export interface RestoreServerSpec {
  flavor: Flavor;
  /** `@@version` of the source as its signed manifest records it; null when nothing recorded it (an imported legacy dump). */
  serverVersion: string | null;
}

/** The restoring server binary is another major.minor release than the backup's source. */
export class RestoreServerVersionError extends PitrError {
  constructor(flavor: Flavor, sourceVersion: string, binaryVersion: string) {
    super(
      `the backup comes from ${flavor} ${sourceVersion}, this restore host's ${flavor} server is ${binaryVersion}: another major.minor release`,
      {
        hint: `restore on a host whose ${flavor} server is ${majorMinor(sourceVersion) ?? sourceVersion}.x; a data directory or dump of one release is not restored by another`,
        terminal: true,
      },
    );
  }
}

/** Refuses a restore whose source's major.minor release differs from the restoring binary's. */
export function checkServerVersion(flavor: Flavor, sourceVersion: string, binaryVersion: string): void {
  const [source, binary] = [majorMinor(sourceVersion), majorMinor(binaryVersion)];
  if (source === null || binary === null || source !== binary) throw new RestoreServerVersionError(flavor, sourceVersion, binaryVersion);
}

/** The version the flavor's server binary on this host reports (`mysqld --version`). */
export async function binaryVersion(flavor: Flavor): Promise<string> {
  const tools = toolchain();
  const { stdout } = await run(flavor === 'mysql' ? tools.mysqld : tools.mariadbd, ['--version']);
  return /Ver\s+(\S+)/.exec(stdout)?.[1] ?? stdout.trim();
}

/**
 * Provides the place an ephemeral restored instance runs and takes it away again. The local
 * process provisioner serves tests and the demo; a Kubernetes or Terraform one would create a
 * pod or VM with a volume here and delete it in `release`.
 */
export interface RestoreProvisioner {
  /** Refuses a server of another major.minor release than the source's (RestoreServerVersionError). */
  provision(restoreId: string, server: RestoreServerSpec): Promise<RestoreSite>;
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
  constructor(private readonly root: string) {}

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

  async provision(restoreId: string, { flavor, serverVersion }: RestoreServerSpec): Promise<RestoreSite> {
    if (serverVersion !== null) checkServerVersion(flavor, serverVersion, await binaryVersion(flavor));
    const site = this.siteOf(restoreId, flavor);
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
