import { Counter, Gauge, Histogram, Registry } from 'prom-client';

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

export function secondsSince(iso: string): number {
  return (Date.now() - Date.parse(iso)) / 1000;
}

const newestArchivedCommit = new Map<string, { tenant: string; cluster: string; micros: number }>();

/** The archive of a cluster now reaches a commit at `micros` (µs since the epoch, UTC). */
export function noteArchivedCommit(tenant: string, cluster: string, micros: number): void {
  const key = `${tenant}/${cluster}`;
  const known = newestArchivedCommit.get(key);
  if (!known || known.micros < micros) newestArchivedCommit.set(key, { tenant, cluster, micros });
}

export const archiveRpo = new Gauge({
  name: 'pitr_archive_rpo_seconds',
  help: 'Age of the newest archived commit of each cluster this worker archives: what a disaster now would lose',
  labelNames: ['tenant', 'cluster'] as const,
  registers: [productMetrics],
  collect() {
    const nowMicros = Date.now() * 1000;
    for (const { tenant, cluster, micros } of newestArchivedCommit.values()) {
      this.set({ tenant, cluster }, Math.max(0, (nowMicros - micros) / 1e6));
    }
  },
});
