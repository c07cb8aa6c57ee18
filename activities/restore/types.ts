import type { DbInstance } from '../../adapters/servers/db-instance';
import type { Flavor } from '../../domain/backup';
import type { RestorePlan } from '../../domain/restore/plan';
import type { RestoreTarget } from '../../domain/restore/target';
import type { RestoreOutcome, RestoreVerification } from '../../domain/restore/workflow-types';

export interface RestoreSiteRef {
  restoreId: string;
  flavor: Flavor;
}

/** A restored server as the workflow carries it: without its password, which stays in its folder on the restore host. */
export type RestoredServer = Omit<DbInstance, 'password'>;

export interface RestoredBase {
  server: RestoredServer;
  /** Tables the signed manifest lists, each found and opened after the base restore. */
  schemaTables: string[];
}

export interface FetchedSegments {
  /** Local paths in stream order. */
  files: string[];
  bytes: number;
}

export interface AppliedBinlogs {
  route: string;
  appliedThrough: string;
  transactionsApplied: number;
  seconds: number;
}

/** The restore host that took a restore, and the queue where every later step of that restore goes. */
export interface RestoreHostBinding {
  hostId: string;
  taskQueue: string;
}

/**
 * Run by a restore host, a worker with the MySQL/MariaDB binaries: `claimRestoreHost` on the
 * shared queue of a server release, every later step on the queue of the host that claimed the
 * restore, since they share its disk.
 */
export interface HostRestoreActivities {
  /** Takes the restore onto this host, or refuses it when full (RestoreHostFullError, retryable). */
  claimRestoreHost(input: RestoreSiteRef & { needBytes: number }): Promise<RestoreHostBinding>;
  /** Provisions the instance and restores the base backup, after checking its signed manifest and artifact checksum. */
  restoreBase(input: RestoreSiteRef & { plan: RestorePlan }): Promise<RestoredBase>;
  fetchSegments(input: RestoreSiteRef & { plan: RestorePlan }): Promise<FetchedSegments>;
  applyToTarget(
    input: RestoreSiteRef & { plan: RestorePlan; server: RestoredServer; files: string[]; stallSeconds?: number },
  ): Promise<AppliedBinlogs>;
  verifyRestore(input: { plan: RestorePlan; server: RestoredServer; schemaTables: string[] }): Promise<RestoreVerification>;
  releaseRestore(input: RestoreSiteRef): Promise<void>;
}

/** Run by the central worker, where the catalog lives. */
export interface CentralRestoreActivities {
  planRestore(input: { tenantId: string; clusterId: string; target: RestoreTarget }): Promise<RestorePlan>;
  recordRestoreOutcome(input: RestoreOutcome): Promise<void>;
  /** A random instant of the last `lookbackSeconds` of the newest recoverable window; refused when nothing is recoverable. */
  pickVerificationTarget(input: { tenantId: string; clusterId: string; lookbackSeconds: number }): Promise<RestoreTarget>;
}
