import { randomBytes } from 'node:crypto';
import { KeyRecordContendedError, MasterKeyUnavailableError, TenantKeyErasedError, TenantKeyNotFoundError, WrongKeyError } from './errors';
import type { KeyProvider } from './key-provider';
import { checkTenantId } from './tenant-id';
import type { ActiveTenantKey, ErasedTenantKey, TenantKeyRecord, TenantKeyStore } from './tenant-key-store';

/** A tenant's data key in clear. Lives only inside activities: never in workflow inputs, results or history. */
export interface DataKey {
  tenant: string;
  id: string;
  material: Buffer;
}

/** What sealing and opening artifacts need: keys looked up by tenant id and key id. */
export interface DataKeySource {
  keyForWriting(tenant: string): Promise<DataKey>;
  keyForReading(tenant: string, dataKeyId: string): Promise<DataKey>;
}

const FORMAT = 'pitr-tenant-key/1';
/** Compare-and-set rounds before giving up on a record other writers keep changing. */
const MAX_CAS_ROUNDS = 5;

export interface KeyErasure {
  erasedAt: string;
  /** The destroyed key; absent when the tenant never had one. */
  dataKeyId: string | undefined;
  alreadyErased: boolean;
}

export interface RewrapSummary {
  /** The master key every listed tenant's data key is now wrapped by (erased tenants have none). */
  masterKeyId: string;
  rewrapped: string[];
  unchanged: string[];
}

/**
 * Envelope encryption of tenant data keys: one random 256-bit key per tenant, stored wrapped
 * by the current master key. `previous` master keys are only used to unwrap, while a
 * rotation re-wraps what they protect.
 */
export class TenantKeys implements DataKeySource {
  private readonly providers: Map<string, KeyProvider>;

  constructor(
    private readonly store: TenantKeyStore,
    private readonly current: KeyProvider,
    previous: readonly KeyProvider[] = [],
  ) {
    this.providers = new Map([...previous, current].map((p) => [p.keyId, p]));
  }

  /** The tenant's data key, created on first use; concurrent first uses agree on one key. */
  async keyForWriting(tenant: string): Promise<DataKey> {
    checkTenantId(tenant);
    const existing = await this.store.read(tenant);
    if (existing) return this.unwrap(existing.record);
    const material = randomBytes(32);
    const dataKeyId = `dk-${randomBytes(8).toString('hex')}`;
    const record: ActiveTenantKey = {
      format: FORMAT,
      tenant,
      state: 'active',
      dataKeyId,
      masterKeyId: this.current.keyId,
      wrappedKey: await this.current.wrap(material, { tenant, dataKeyId }),
      createdAt: new Date().toISOString(),
    };
    if (await this.store.create(record)) return { tenant, id: dataKeyId, material };
    const winner = await this.store.read(tenant);
    if (!winner) throw new TenantKeyNotFoundError(tenant, this.store.description);
    return this.unwrap(winner.record);
  }

  async keyForReading(tenant: string, dataKeyId: string): Promise<DataKey> {
    checkTenantId(tenant);
    const stored = await this.store.read(tenant);
    if (!stored) throw new TenantKeyNotFoundError(tenant, this.store.description);
    const key = await this.unwrap(stored.record);
    if (key.id !== dataKeyId) {
      throw new WrongKeyError(
        `the artifact was sealed with data key ${dataKeyId} of tenant ${tenant}, but ${this.store.description} holds data key ${key.id} for that tenant`,
      );
    }
    return key;
  }

  /**
   * Crypto-shredding: replaces the tenant's key by a tombstone, making all its artifacts
   * unreadable. Erasing an erased tenant changes nothing and returns the first erasure.
   */
  async erase(tenant: string): Promise<KeyErasure> {
    checkTenantId(tenant);
    let tombstone: ErasedTenantKey | undefined;
    const written = await this.updateRecord(tenant, (record) => {
      tombstone =
        record?.state === 'erased'
          ? record
          : { format: FORMAT, tenant, state: 'erased', dataKeyId: record?.dataKeyId, erasedAt: new Date().toISOString() };
      return record?.state === 'erased' ? undefined : tombstone;
    });
    return { erasedAt: tombstone!.erasedAt, dataKeyId: tombstone!.dataKeyId, alreadyErased: !written };
  }

  /**
   * Master key rotation: re-wraps the data keys of `tenants` (default: every tenant in the key
   * store) under the current master key; artifacts are not touched. A named tenant without a key
   * record is an error (a typo must not pass for a done rotation).
   */
  async rewrapUnderCurrentMasterKey(tenants?: readonly string[]): Promise<RewrapSummary> {
    const summary: RewrapSummary = { masterKeyId: this.current.keyId, rewrapped: [], unchanged: [] };
    for await (const tenant of tenants ?? this.store.tenants()) {
      checkTenantId(tenant);
      const changed = await this.updateRecord(tenant, async (record) => {
        if (!record && tenants) throw new TenantKeyNotFoundError(tenant, this.store.description);
        if (record?.state !== 'active' || record.masterKeyId === this.current.keyId) return undefined;
        const { material } = await this.unwrap(record);
        return {
          ...record,
          masterKeyId: this.current.keyId,
          wrappedKey: await this.current.wrap(material, { tenant, dataKeyId: record.dataKeyId }),
          rewrappedAt: new Date().toISOString(),
        };
      });
      (changed ? summary.rewrapped : summary.unchanged).push(tenant);
    }
    return summary;
  }

  /** Compare-and-set loop; `change` returns undefined when nothing needs writing. Returns whether it wrote. */
  private async updateRecord(
    tenant: string,
    change: (record: TenantKeyRecord | undefined) => TenantKeyRecord | undefined | Promise<TenantKeyRecord | undefined>,
  ): Promise<boolean> {
    for (let round = 0; round < MAX_CAS_ROUNDS; round++) {
      const stored = await this.store.read(tenant);
      const next = await change(stored?.record);
      if (next === undefined) return false;
      const written = stored ? await this.store.replace(next, stored.revision) : await this.store.create(next);
      if (written) return true;
    }
    throw new KeyRecordContendedError(tenant, this.store.description, MAX_CAS_ROUNDS);
  }

  private async unwrap(record: TenantKeyRecord): Promise<DataKey> {
    if (record.state === 'erased') throw new TenantKeyErasedError(record.tenant, record.erasedAt);
    const provider = this.providers.get(record.masterKeyId);
    if (!provider) throw new MasterKeyUnavailableError(record.tenant, record.masterKeyId, [...this.providers.keys()]);
    const context = { tenant: record.tenant, dataKeyId: record.dataKeyId };
    return { tenant: record.tenant, id: record.dataKeyId, material: await provider.unwrap(record.wrappedKey, context) };
  }
}
