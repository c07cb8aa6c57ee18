import type { Catalog } from './catalog';

export interface Alert {
  tenantId: string;
  clusterId: string;
  kind: 'quarantine' | 'backup-failed' | 'archive-gap' | 'binlog-rewritten' | 'archive-failed' | 'stream-stopped';
  subject: string;
  message: string;
}

/** Raises an alert once per subject; raising it again refreshes its message. */
export async function raiseAlert(catalog: Catalog, alert: Alert): Promise<void> {
  await catalog.withTenant(alert.tenantId, (db) =>
    db.query(
      `INSERT INTO alerts (tenant_id, cluster_id, kind, subject, message) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (tenant_id, cluster_id, kind, subject) DO UPDATE SET message = EXCLUDED.message, raised_at = now()`,
      [alert.tenantId, alert.clusterId, alert.kind, alert.subject, alert.message],
    ),
  );
}
