import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Flavor } from '../../domain/backup';
import { PitrError } from '../../domain/errors';
import { hostFullReason, type HostLimits } from '../../domain/restore/capacity';
import { restoreHostQueue } from '../../domain/task-queues';
import { restoreFolder } from './provisioner';
import type { RestoreHostBinding } from './types';

/** Marks a restore folder as held by a restore this host took; folders without one (a legacy dry run) are not the host's. */
const CLAIM_FILE = 'claim.json';

/** A restore a host took and still holds. */
export interface HostClaim {
  restoreId: string;
  flavor: Flavor;
}

/** The host is at its declared capacity; retryable: another host takes the restore, or this one once it has room. */
export class RestoreHostFullError extends PitrError {
  constructor(hostId: string, reason: string) {
    super(`restore host ${hostId} takes no new restore: ${reason}`, {
      hint: 'another restore host takes it, or it waits until one held here is released: add a restore host or raise restoreHost.maxInstances / restoreHost.maxDiskGiB',
    });
  }
}

/** Bytes under `dir`, not following links; files that vanish while counted are skipped. */
function diskUsage(dir: string): number {
  let bytes = 0;
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of entries) {
    const path = join(dir, name);
    try {
      const stat = lstatSync(path);
      bytes += stat.isDirectory() ? diskUsage(path) : stat.size;
    } catch {
      // Removed meanwhile by a teardown.
    }
  }
  return bytes;
}

/**
 * One restore host's claims on restores: the folder of each restore it took, under its
 * restore root, holds a claim file. A claim is refused when the host is full.
 */
export class RestoreHost {
  private claiming: Promise<unknown> = Promise.resolve();

  constructor(
    readonly id: string,
    readonly root: string,
    private readonly limits: HostLimits,
  ) {}

  get taskQueue(): string {
    return restoreHostQueue(this.id);
  }

  /** Every restore this host holds a folder for. */
  claims(): HostClaim[] {
    if (!existsSync(this.root)) return [];
    return readdirSync(this.root).flatMap((name) => {
      try {
        const claim = JSON.parse(readFileSync(join(this.root, name, CLAIM_FILE), 'utf8')) as HostClaim;
        return [{ restoreId: claim.restoreId, flavor: claim.flavor }];
      } catch {
        return [];
      }
    });
  }

  /** Takes the restore unless full; taking one it already holds answers the same. */
  claim(restoreId: string, flavor: Flavor, needBytes: number): Promise<RestoreHostBinding> {
    // One at a time: two claims at once would both see the last free place.
    const claimed = this.claiming.then(() => this.claimNow(restoreId, flavor, needBytes));
    this.claiming = claimed.catch(() => undefined);
    return claimed;
  }

  private claimNow(restoreId: string, flavor: Flavor, needBytes: number): RestoreHostBinding {
    const folder = restoreFolder(this.root, restoreId);
    if (!existsSync(join(folder, CLAIM_FILE))) {
      const reason = hostFullReason(this.limits, { instances: this.claims().length, usedBytes: diskUsage(this.root), needBytes });
      if (reason !== null) throw new RestoreHostFullError(this.id, reason);
      mkdirSync(folder, { recursive: true });
      const claim: HostClaim = { restoreId, flavor };
      writeFileSync(join(folder, CLAIM_FILE), `${JSON.stringify(claim)}\n`);
    }
    return { hostId: this.id, taskQueue: this.taskQueue };
  }
}
