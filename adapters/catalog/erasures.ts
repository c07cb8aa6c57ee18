import { TenantKeyErasedError } from '../keys/errors';
import type { Catalog } from './catalog';

/** A tenant's crypto-shredding as the catalog records it. Times are ISO-8601. */
export interface TenantErasure {
  tenantId: string;
  erasedAt: string;
  erasedBy: string;
  reason: string;
  dataKeyId: string | null;
  recordedAt: string;
}

interface ErasureRow {
  tenant_id: string;
  erased_at: Date;
  erased_by: string;
  reason: string;
  data_key_id: string | null;
  recorded_at: Date;
}

const erasureOf = (r: ErasureRow): TenantErasure => ({
  tenantId: r.tenant_id,
  erasedAt: r.erased_at.toISOString(),
  erasedBy: r.erased_by,
  reason: r.reason,
  dataKeyId: r.data_key_id,
  recordedAt: r.recorded_at.toISOString(),
});

export async function findErasure(catalog: Catalog, tenantId: string): Promise<TenantErasure | undefined> {
  const rows = await catalog.withTenant(
    tenantId,
    async (db) => (await db.query<ErasureRow>('SELECT * FROM tenant_erasures WHERE tenant_id = $1', [tenantId])).rows,
  );
  return rows[0] && erasureOf(rows[0]);
}

/** Records an erasure once; returns the recorded one, which is the earlier row when there was one. */
export async function recordErasure(
  catalog: Catalog,
  e: Omit<TenantErasure, 'recordedAt'>,
): Promise<{ erasure: TenantErasure; inserted: boolean }> {
  return catalog.withTenant(e.tenantId, async (db) => {
    const inserted = await db.query<ErasureRow>(
      `INSERT INTO tenant_erasures (tenant_id, erased_at, erased_by, reason, data_key_id) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (tenant_id) DO NOTHING RETURNING *`,
      [e.tenantId, e.erasedAt, e.erasedBy, e.reason, e.dataKeyId],
    );
    if (inserted.rows[0]) return { erasure: erasureOf(inserted.rows[0]), inserted: true };
    const existing = await db.query<ErasureRow>('SELECT * FROM tenant_erasures WHERE tenant_id = $1', [e.tenantId]);
    return { erasure: erasureOf(existing.rows[0]!), inserted: false };
  });
}

/** Backups and archive passes start here: nothing new is taken for an erased tenant. */
export async function refuseErasedTenant(catalog: Catalog, tenantId: string): Promise<void> {
  const erasure = await findErasure(catalog, tenantId);
  if (erasure) throw new TenantKeyErasedError(tenantId, erasure.erasedAt, erasure.erasedBy);
}
