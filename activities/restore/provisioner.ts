import { createHash } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Flavor } from '../../domain/backup';
import { stopDbInstance } from '../local/db-instance';

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

/**
 * Provides the place an ephemeral restored instance runs and takes it away again. The local
 * process provisioner serves tests and the demo; a Kubernetes or Terraform one would create a
 * pod or VM with a volume here and delete it in `release`.
 */
export interface RestoreProvisioner {
  provision(restoreId: string, flavor: Flavor): Promise<RestoreSite>;
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

/** Restored instances as local processes under one folder of this host. */
export class LocalProcessProvisioner implements RestoreProvisioner {
  constructor(private readonly root: string) {}

  siteOf(restoreId: string, flavor: Flavor): RestoreSite {
    const dir = join(this.root, restoreId.replace(/[^A-Za-z0-9._-]/g, '_'));
    return {
      restoreId,
      flavor,
      payloadDir: join(dir, 'payload'),
      binlogDir: join(dir, 'binlogs'),
      serverDir: join(dir, 'server'),
      serverId: restoredServerId(restoreId),
    };
  }

  async provision(restoreId: string, flavor: Flavor): Promise<RestoreSite> {
    const site = this.siteOf(restoreId, flavor);
    // A retried provision starts over: whatever a failed attempt left is not trusted.
    await this.release(restoreId, flavor);
    mkdirSync(site.binlogDir, { recursive: true });
    return site;
  }

  async release(restoreId: string, flavor: Flavor): Promise<void> {
    const site = this.siteOf(restoreId, flavor);
    await stopDbInstance(site.serverDir);
    rmSync(join(site.serverDir, '..'), { recursive: true, force: true });
  }
}
