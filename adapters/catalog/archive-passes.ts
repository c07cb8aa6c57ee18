import type { PoolClient } from 'pg';
import type { ArchiveObservation } from '../../domain/archive/rpo';
import type { ArchivePassError, ArchivePassReport } from '../../domain/archive/types';
import type { Catalog } from './catalog';
import { lockArchive } from './segments';

/** The last archive pass of a cluster, as `pitr status` shows it. */
export interface LastArchivePass {
  outcome: 'ok' | 'failed';
  workflowId: string;
  runId: string;
  startedAt: string;
  finishedAt: string;
  /** When the current streak of failed passes began; null after an ok pass. */
  failingSince: string | null;
  error: ArchivePassError | null;
}

export interface ArchivePassState {
  last: LastArchivePass;
  /** What the last ok pass saw of the server; undefined when no pass could tell. */
  observation: ArchiveObservation | undefined;
}

interface PassRow {
  workflow_id: string;
  run_id: string;
  outcome: 'ok' | 'failed';
  started_at: Date;
  finished_at: Date;
  error_type: string | null;
  error_message: string | null;
  error_hint: string | null;
  error_activity: string | null;
  failing_since: Date | null;
  observed_at_us: string | null;
  unarchived_since_us: string | null;
}

const PASS_COLUMNS = `workflow_id, run_id, outcome, started_at, finished_at, error_type, error_message, error_hint, error_activity, failing_since,
  (extract(epoch FROM observed_at) * 1000000)::bigint AS observed_at_us, (extract(epoch FROM unarchived_since) * 1000000)::bigint AS unarchived_since_us`;

function stateOf(r: PassRow): ArchivePassState {
  return {
    last: {
      outcome: r.outcome,
      workflowId: r.workflow_id,
      runId: r.run_id,
      startedAt: r.started_at.toISOString(),
      finishedAt: r.finished_at.toISOString(),
      failingSince: r.failing_since?.toISOString() ?? null,
      error:
        r.error_type === null
          ? null
          : { type: r.error_type, message: r.error_message ?? '', hint: r.error_hint, activity: r.error_activity },
    },
    observation:
      r.observed_at_us === null
        ? undefined
        : {
            observedAtMicros: Number(r.observed_at_us),
            unarchivedSinceMicros: r.unarchived_since_us === null ? null : Number(r.unarchived_since_us),
            failedSince: r.outcome === 'failed',
          },
  };
}

/** The last archive pass of a cluster, inside a transaction the caller holds; undefined before any was recorded. */
export async function archivePassState(db: PoolClient, clusterId: string): Promise<ArchivePassState | undefined> {
  const res = await db.query<PassRow>(`SELECT ${PASS_COLUMNS} FROM archive_passes WHERE cluster_id = $1`, [clusterId]);
  return res.rows[0] && stateOf(res.rows[0]);
}

/**
 * Records a pass's outcome as the cluster's last, unless a pass that started later is recorded
 * already. `recorded` is false when nothing changed: that pass, or the same one again (a retry).
 * A failed pass keeps the last ok pass's observation: nothing newer is known.
 */
export async function recordArchivePass(
  catalog: Catalog,
  report: ArchivePassReport,
): Promise<{ recorded: boolean; state: ArchivePassState }> {
  return catalog.withTenant(report.tenantId, async (db) => {
    await lockArchive(db, report.clusterId);
    const before = await archivePassState(db, report.clusterId);
    if (before && (before.last.runId === report.runId || Date.parse(before.last.startedAt) > Date.parse(report.startedAt))) {
      return { recorded: false, state: before };
    }
    const failed = report.outcome === 'failed' ? report.error : null;
    const failingSince = failed === null ? null : (before?.last.failingSince ?? report.startedAt);
    const observed = report.outcome === 'ok' && report.unarchivedSinceSeconds !== undefined;
    const res = await db.query<PassRow>(
      `INSERT INTO archive_passes (tenant_id, cluster_id, workflow_id, run_id, outcome, started_at, error_type, error_message, error_hint,
         error_activity, failing_since, observed_at, unarchived_since)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,
         CASE WHEN $12 THEN $13::timestamptz END, CASE WHEN $12 THEN to_timestamp($14::double precision) END)
       ON CONFLICT (tenant_id, cluster_id) DO UPDATE SET
         workflow_id = EXCLUDED.workflow_id, run_id = EXCLUDED.run_id, outcome = EXCLUDED.outcome, started_at = EXCLUDED.started_at,
         finished_at = now(), error_type = EXCLUDED.error_type, error_message = EXCLUDED.error_message, error_hint = EXCLUDED.error_hint,
         error_activity = EXCLUDED.error_activity, failing_since = EXCLUDED.failing_since,
         observed_at = CASE WHEN EXCLUDED.outcome = 'ok' THEN EXCLUDED.observed_at ELSE archive_passes.observed_at END,
         unarchived_since = CASE WHEN EXCLUDED.outcome = 'ok' THEN EXCLUDED.unarchived_since ELSE archive_passes.unarchived_since END
       RETURNING ${PASS_COLUMNS}`,
      [
        report.tenantId,
        report.clusterId,
        report.workflowId,
        report.runId,
        report.outcome,
        report.startedAt,
        failed?.type ?? null,
        failed?.message ?? null,
        failed?.hint ?? null,
        failed?.activity ?? null,
        failingSince,
        observed,
        report.outcome === 'ok' ? report.observedAt : null,
        report.outcome === 'ok' ? (report.unarchivedSinceSeconds ?? null) : null,
      ],
    );
    return { recorded: true, state: stateOf(res.rows[0]!) };
  });
}
