import type { PoolClient } from 'pg';

/** The alert subject of a server refused because its history lacks archived transactions. */
export function divergedSubject(serverKey: string): string {
  return `diverged:${serverKey}`;
}

/** A refusal that fails every archive pass until someone acts on it. */
export interface ArchiveHalt {
  kind: 'binlog-rewritten' | 'history-diverged' | 'stream-stopped';
  subject: string;
  message: string;
  raisedAt: string;
}

/**
 * The cluster's unacknowledged rewritten-binlog, diverged-history and stopped-stream alerts
 * raised since the archive last moved: a segment archived after one means it goes on again.
 */
export async function openHalts(db: PoolClient, clusterId: string): Promise<ArchiveHalt[]> {
  const res = await db.query<{ kind: string; subject: string; message: string; raised_at: Date }>(
    `SELECT kind, subject, message, raised_at FROM alerts
     WHERE cluster_id = $1 AND acknowledged_at IS NULL
       AND (kind IN ('binlog-rewritten', 'stream-stopped') OR (kind = 'archive-gap' AND starts_with(subject, $2)))
       AND raised_at > coalesce((SELECT max(archived_at) FROM binlog_segments WHERE cluster_id = $1), '-infinity')
     ORDER BY raised_at, alert_id`,
    [clusterId, divergedSubject('')],
  );
  return res.rows.map((r) => ({
    kind: r.kind === 'archive-gap' ? 'history-diverged' : (r.kind as ArchiveHalt['kind']),
    subject: r.subject,
    message: r.message,
    raisedAt: r.raised_at.toISOString(),
  }));
}
