import { ObjectNotFoundError } from '../storage/errors';
import type { ObjectStore } from '../storage/object-store';
import { objectKey } from '../storage/object-keys';
import { KeyRecordInvalidError } from './errors';
import { type StoredTenantKey, type TenantKeyRecord, tenantKeyRecordSchema, type TenantKeyStore } from './tenant-key-store';

const SUFFIX = '.json';

/** Where a tenant's key record lives: `<prefix>keys/<tenant>.json`. */
export function tenantKeyRecordKey(prefix: string, tenant: string): string {
  return `${objectKey(prefix, 'keys')}/${tenant}${SUFFIX}`;
}

/** Tenant key records as small JSON objects at `<prefix>keys/<tenant>.json`, written with conditional PUTs. */
export class ObjectTenantKeyStore implements TenantKeyStore {
  readonly description: string;
  private readonly folder: string;

  constructor(
    private readonly store: ObjectStore,
    private readonly prefix: string,
  ) {
    this.folder = `${objectKey(prefix, 'keys')}/`;
    this.description = `s3://${store.bucket}/${this.folder}`;
  }

  private keyOf(tenant: string): string {
    return tenantKeyRecordKey(this.prefix, tenant);
  }

  async read(tenant: string): Promise<StoredTenantKey | undefined> {
    let object: Awaited<ReturnType<ObjectStore['getStream']>>;
    try {
      object = await this.store.getStream(this.keyOf(tenant));
    } catch (err) {
      if (err instanceof ObjectNotFoundError) return undefined;
      throw err;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of object.body) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let record: TenantKeyRecord;
    try {
      record = tenantKeyRecordSchema.parse(JSON.parse(text));
    } catch (err) {
      throw new KeyRecordInvalidError(`the key record ${this.description}${tenant}${SUFFIX} is not a valid tenant key record`, err);
    }
    if (record.tenant !== tenant) {
      throw new KeyRecordInvalidError(`the key record ${this.description}${tenant}${SUFFIX} names tenant ${record.tenant}`);
    }
    return { record, revision: object.etag };
  }

  async create(record: TenantKeyRecord): Promise<boolean> {
    const put = await this.store.putIf(this.keyOf(record.tenant), this.encode(record), { ifAbsent: true }, 'application/json');
    return put.written;
  }

  async replace(record: TenantKeyRecord, revision: string): Promise<boolean> {
    const put = await this.store.putIf(this.keyOf(record.tenant), this.encode(record), { ifMatch: revision }, 'application/json');
    return put.written;
  }

  async *tenants(): AsyncIterable<string> {
    for await (const object of this.store.list(this.folder)) {
      const name = object.key.slice(this.folder.length);
      if (name.endsWith(SUFFIX) && !name.includes('/')) yield name.slice(0, -SUFFIX.length);
    }
  }

  private encode(record: TenantKeyRecord): Buffer {
    return Buffer.from(`${JSON.stringify(record, null, 2)}\n`);
  }
}
