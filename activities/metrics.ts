import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { archiveRpoSeconds, type ArchiveObservation } from '../domain/archive/rpo';

/** The product's own metrics; the workers serve them beside the Temporal SDK's. */
export const productMetrics = new Registry();

// Per-cluster labels, never per backup or restore: the series grow with the fleet, not with time.

export const backupDuration = new Histogram({
  name: 'pitr_backup_duration_seconds',
  help: 'Base backups from workflow start to registration or failure, by cluster, engine and outcome',
  labelNames: ['tenant', 'cluster', 'engine', 'outcome'] as const,
  buckets: [10, 30, 60, 300, 900, 1800, 3600, 7200, 14400, 43200],
  registers: [productMetrics],
});

export const backupBytes = new Counter({
  name: 'pitr_backup_bytes_total',
  help: 'Bytes of base backups before compression (plain) and as stored, by cluster and engine',
  labelNames: ['tenant', 'cluster', 'engine', 'form'] as const,
  registers: [productMetrics],
});

export const quarantinedArtifacts = new Counter({
  name: 'pitr_quarantined_artifacts_total',
  help: 'Artifacts moved under failed/ after a terminal validation failure, by cluster',
  labelNames: ['tenant', 'cluster', 'kind'] as const,
  registers: [productMetrics],
});

export const restoreDuration = new Histogram({
  name: 'pitr_restore_duration_seconds',
  help: 'Point-in-time restores from request to verified (or failed), by cluster and outcome',
  labelNames: ['tenant', 'cluster', 'outcome'] as const,
  buckets: [10, 30, 60, 120, 300, 600, 1800, 3600, 7200],
  registers: [productMetrics],
});

export const archivePassFailures = new Counter({
  name: 'pitr_archive_pass_failures_total',
  help: 'Archive passes that failed, by cluster',
  labelNames: ['tenant', 'cluster'] as const,
  registers: [productMetrics],
});

export function secondsSince(iso: string): number {
  return (Date.now() - Date.parse(iso)) / 1000;
}

interface ArchiveState {
  tenant: string;
  cluster: string;
  ok: boolean;
  newestArchivedCommitMicros: number | null;
  observation: ArchiveObservation | undefined;
}

const archiveStates = new Map<string, ArchiveState>();

/** The last archive pass of a cluster this worker recorded, and what its RPO counts from. */
export function noteArchivePass(state: ArchiveState): void {
  archiveStates.set(`${state.tenant}/${state.cluster}`, state);
}

export const archiveLastPassSuccess = new Gauge({
  name: 'pitr_archive_last_pass_success',
  help: 'Whether the last archive pass of each cluster this worker recorded succeeded (1) or failed (0)',
  labelNames: ['tenant', 'cluster'] as const,
  registers: [productMetrics],
  collect() {
    for (const { tenant, cluster, ok } of archiveStates.values()) this.set({ tenant, cluster }, ok ? 1 : 0);
  },
});

export const archiveRpo = new Gauge({
  name: 'pitr_archive_rpo_seconds',
  help: 'Age of the oldest commit not yet archived (0: none) of each cluster this worker archives: what a disaster now would lose',
  labelNames: ['tenant', 'cluster'] as const,
  registers: [productMetrics],
  collect() {
    const nowMicros = Date.now() * 1000;
    for (const { tenant, cluster, newestArchivedCommitMicros, observation } of archiveStates.values()) {
      const rpo = archiveRpoSeconds(nowMicros, newestArchivedCommitMicros, observation);
      if (rpo !== null) this.set({ tenant, cluster }, rpo);
    }
  },
});

const streamLags = new Map<string, { tenant: string; cluster: string; seconds: number }>();

/** A piece a cluster's binlog stream placed in the archive: how long its oldest transaction waited from its commit to being recoverable. */
export function noteStreamPiece(tenant: string, cluster: string, seconds: number): void {
  streamLags.set(`${tenant}/${cluster}`, { tenant, cluster, seconds });
}

export const archiveStreamLag = new Gauge({
  name: 'pitr_archive_lag_seconds',
  help: "How long the oldest transaction of the last piece each cluster's binlog stream placed in the archive waited from its commit until it was recoverable (MariaDB: from the start of its commit second)",
  labelNames: ['tenant', 'cluster'] as const,
  registers: [productMetrics],
  collect() {
    for (const { tenant, cluster, seconds } of streamLags.values()) this.set({ tenant, cluster }, seconds);
  },
});

export const restoreOrphansRemoved = new Counter({
  name: 'pitr_restore_orphans_removed_total',
  help: 'Restored instances and folders a restore host removed because no running restore owned them any more',
  labelNames: ['host'] as const,
  registers: [productMetrics],
});
