import type { HeldBack } from './held-back';
import type { RestoreTarget } from './target';

export interface PitrRestoreInput {
  tenantId: string;
  clusterId: string;
  target: RestoreTarget;
  /** Keep the restored instance this long (ms) for the incident responder; omitted: tear it down once verified. */
  keepForMs?: number;
  /** Default true: verify GTID state and every table at the target before declaring success (the manifest's tables are checked after the base restore either way). */
  verify?: boolean;
  /** No apply progress at all for this long fails the restore (default 300). */
  applyStallSeconds?: number;
}

export type RestorePhase =
  | 'planning'
  | 'restoring-base'
  | 'fetching-binlogs'
  | 'applying'
  | 'verifying'
  | 'kept'
  | 'tearing-down'
  | 'done'
  | 'failed';

export interface RestoreInstanceAddress {
  host: string;
  port: number;
  socket: string;
  /** The product's own account on the restored server; the source's accounts are there too, with their passwords. */
  user: string;
  /** On the restore host: a 0600 option file with that account (`mysql --defaults-file=…`); absent from restores before it existed. */
  optionFile?: string;
}

/** What verification checked on the restored server at the target, and what it found. */
export interface RestoreVerification {
  /** The restored server's GTID state: verification fails unless it equals the plan's. */
  gtidExecuted: string;
  /** Tables at the target (every table outside the system schemas), each opened and counted in full. */
  tablesChecked: number;
  /** Rows of each table at the target, `db.table` to count: reported, not compared. */
  rowCounts: Record<string, number>;
  /** Tables of the backup's manifest absent at the target: present after the base restore, so dropped or renamed by the applied binlogs. */
  manifestTablesGone: string[];
  /** Tables at the target the manifest does not list: created or renamed by the applied binlogs. */
  tablesCreatedAfterBackup: string[];
  /** Each check, in words. */
  checks: string[];
}

export interface RestoreProgress {
  phase: RestorePhase;
  backupId: string | null;
  segments: number;
  /** GTID state the apply reached so far, then the final one. */
  appliedThrough: string | null;
  /** The last transaction applied and its commit time, once the apply has reached them. */
  throughGtid: string | null;
  throughCommit: string | null;
  /** Once verified. */
  verification: RestoreVerification | null;
  instance: RestoreInstanceAddress | null;
  /** ISO-8601 instant the kept instance will be torn down, while kept. */
  keptUntil: string | null;
  error: string | null;
  /** The restore host that holds the restore, once one claimed it (absent from restores before hosts had queues). */
  host?: string | null;
  /** Why the restore waits for a restore host (none polling its release's queue, all full); null when it does not. */
  waiting?: string | null;
  /** 1, then 2... each time the restore starts over on a host after the one holding it died or failed. */
  hostAttempt?: number;
}

export interface PitrRestoreResult {
  restoreId: string;
  backupId: string;
  /** The restored server's GTID state, equal to the plan's. */
  appliedThrough: string;
  /** The last transaction applied and its commit time, when the target named an instant or `latest`. */
  throughGtid: string | null;
  throughCommit: string | null;
  /** Transactions left out because the binlog's whole-second stamps cannot place them before the target instant. */
  heldBack: HeldBack | null;
  transactionsApplied: number;
  verification: RestoreVerification | null;
  /** Where the restored instance was served while kept (it is torn down by the time the result exists); null when it was not kept. */
  instance: RestoreInstanceAddress | null;
  durationMs: number;
}

/** What the catalog's restores table records of one finished restore. */
export type RestoreStatus = 'succeeded' | 'failed';

export interface RestoreOutcome {
  restoreId: string;
  tenantId: string;
  clusterId: string;
  target: RestoreTarget;
  status: RestoreStatus;
  backupId: string | null;
  appliedThrough: string | null;
  throughCommit: string | null;
  failure: string | null;
  startedAt: string;
  durationMs: number;
}
