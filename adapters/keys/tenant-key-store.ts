import { z } from 'zod';

export const tenantKeyRecordSchema = z.discriminatedUnion('state', [
  z.object({
    format: z.literal('pitr-tenant-key/1'),
    tenant: z.string(),
    state: z.literal('active'),
    dataKeyId: z.string(),
    masterKeyId: z.string(),
    wrappedKey: z.string(),
    createdAt: z.string(),
    rewrappedAt: z.string().optional(),
  }),
  z.object({
    format: z.literal('pitr-tenant-key/1'),
    tenant: z.string(),
    state: z.literal('erased'),
    dataKeyId: z.string().optional(),
    erasedAt: z.string(),
  }),
]);

/**
 * A tenant's one data key, wrapped by a master key; or the tombstone left when it was erased,
 * so that reads say "erased" and no new key is silently made for that tenant.
 */
export type TenantKeyRecord = z.infer<typeof tenantKeyRecordSchema>;
export type ActiveTenantKey = Extract<TenantKeyRecord, { state: 'active' }>;
export type ErasedTenantKey = Extract<TenantKeyRecord, { state: 'erased' }>;

export interface StoredTenantKey {
  record: TenantKeyRecord;
  /** Opaque version of the record, for compare-and-set. */
  revision: string;
}

/**
 * Where wrapped tenant keys live. Small on purpose so that a catalog table can back it as
 * well as object storage: one row per tenant, insert-if-absent and compare-and-set.
 */
export interface TenantKeyStore {
  /** Names the store in messages. */
  readonly description: string;
  read(tenant: string): Promise<StoredTenantKey | undefined>;
  /** false when the tenant already has a record. */
  create(record: TenantKeyRecord): Promise<boolean>;
  /** false when the record changed since `revision` was read. */
  replace(record: TenantKeyRecord, revision: string): Promise<boolean>;
  tenants(): AsyncIterable<string>;
}
