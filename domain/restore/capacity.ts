/** What a restore host declares it will hold. */
export interface HostLimits {
  maxInstances: number;
  /** Bytes the restore folders may take together; null: no limit. */
  maxDiskBytes: number | null;
}

/** What the host holds now and what a new restore would add. */
export interface HostLoad {
  instances: number;
  usedBytes: number;
  /** Estimated bytes of the new restore: its backup and binlogs as stored (unpacked, they take more). */
  needBytes: number;
}

/** Why this host takes no new restore, in words; null when it has room. */
export function hostFullReason(limits: HostLimits, load: HostLoad): string | null {
  if (load.instances >= limits.maxInstances) return `it holds ${load.instances} of its ${limits.maxInstances} restored instances`;
  if (limits.maxDiskBytes !== null && load.usedBytes + load.needBytes > limits.maxDiskBytes) {
    return `its restores use ${gib(load.usedBytes)} of its ${gib(limits.maxDiskBytes)} and this one needs about ${gib(load.needBytes)}`;
  }
  return null;
}

const gib = (bytes: number): string => `${(bytes / 2 ** 30).toFixed(2)} GiB`;
