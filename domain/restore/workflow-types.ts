import type { RestoreTarget } from './target';

/** Where restore activities run: a host with the MySQL/MariaDB binaries (for now, the central worker process). */
export const RESTORE_TASK_QUEUE = 'pitr-restore';

export interface PitrRestoreInput {
  tenantId: string;
  clusterId: string;
  target: RestoreTarget;
  /** Keep the restored instance this long (ms) for the incident responder; omitted: tear it down once verified. */
  keepForMs?: number;
  /** Default true: verify GTID state and the manifest's tables before declaring success. */
  verify?: boolean;
  /** No apply progress at all for this long fails the restore (default 300). */
  applyStallSeconds?: number;
}

export type RestorePhase = 'planning' | 'restoring-base' | 'fetching-binlogs' | 'applying' | 'verifying' | 'kept' | 'tearing-down' | 'done' | 'failed';

export interface RestoreInstanceAddress {
  host: string;
  port: number;
  socket: string;
  user: string;
}

export interface RestoreProgress {
  phase: RestorePhase;
  backupId: string | null;
  segments: number;
  /** GTID state the apply reached so far, then the final one. */
  appliedThrough: string | null;
  instance: RestoreInstanceAddress | null;
  /** ISO-8601 instant the kept instance will be torn down, while kept. */
  keptUntil: string | null;
  error: string | null;
}

export interface PitrRestoreResult {
  restoreId: string;
  backupId: string;
  /** The restored server's GTID state, equal to the plan's. */
  appliedThrough: string;
  /** The last transaction applied and its commit time, when the target named an instant or `latest`. */
  throughGtid: string | null;
  throughCommit: string | null;
  transactionsApplied: number;
  verification: { gtidExecuted: string; tablesChecked: number; rowCounts: Record<string, number> } | null;
  /** While kept: where to connect. null once torn down. */
  instance: RestoreInstanceAddress | null;
  durationMs: number;
}
