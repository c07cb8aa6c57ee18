import type { ExpiringArtifacts, HoldRequest } from '../../adapters/catalog/retention';
import type { ExpiryDecision, SegmentRef } from '../../domain/retention/expiry';

export interface ClusterRef {
  tenantId: string;
  clusterId: string;
}

export interface ExpiryPlan extends ClusterRef {
  decision: ExpiryDecision;
  /** Readers holding artifacts now: `<holder>: backup <id>` / `<holder>: binlog <server>/<file>`. */
  holds: string[];
}

export interface ExpiryMarked extends ClusterRef {
  artifacts: ExpiringArtifacts;
}

/** Run by the central worker, where the catalog and object storage are. */
export interface RetentionActivities {
  /** What expiry would remove now, and the recoverable windows before and after. Reads only. */
  planExpiry(input: ClusterRef): Promise<ExpiryPlan>;
  /**
   * Marks expiring what the plan chose and a fresh decision still chooses (a hold or a
   * quarantine since the plan keeps an artifact), and lists everything expiring, including
   * what an interrupted run left.
   */
  markExpiring(input: ClusterRef & { chosen: { backups: string[]; segments: SegmentRef[] } }): Promise<ExpiringArtifacts>;
  /** Deletes the objects of expiring artifacts (and uploads left open on their keys); deleting again is harmless. */
  deleteExpiringObjects(input: ExpiryMarked): Promise<{ objectsDeleted: number }>;
  /** Marks expired the artifacts whose objects are gone. */
  markExpired(input: ExpiryMarked): Promise<void>;
  /** Releases the holds of workflows no longer running; returns their ids. */
  releaseStaleHolds(input: ClusterRef): Promise<string[]>;
  holdArtifacts(input: HoldRequest): Promise<void>;
  releaseHolds(input: ClusterRef & { holder: string }): Promise<void>;
  /** Records a backup whose whole artifact verification read back. */
  recordBackupVerified(input: ClusterRef & { backupId: string }): Promise<void>;
}
