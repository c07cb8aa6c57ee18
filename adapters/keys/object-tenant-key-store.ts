import { ObjectNotFoundError } from '../storage/errors';
import { keyRecordsFolder, keyRecordTenant, tenantKeyRecordKey } from '../storage/layout';
import type { ObjectStore } from '../storage/object-store';
import { KeyRecordInvalidError } from './errors';
import { type StoredTenantKey, type TenantKeyRecord, tenantKeyRecordSchema, type TenantKeyStore } from './tenant-key-store';

/** Tenant key records as small JSON objects in the layout's key record folder, written with conditional PUTs. */
export class ObjectTenantKeyStore implements TenantKeyStore {
  readonly description: string;

  constructor(
    private readonly store: ObjectStore,
    private readonly prefix: string,
  ) {
    this.description = `s3://${store.bucket}/${keyRecordsFolder(prefix)}`;
  }

  private keyOf(tenant: string): string {
    return tenantKeyRecordKey(this.prefix, tenant);
  }

  private url(tenant: string): string {
    return `s3://${this.store.bucket}/${this.keyOf(tenant)}`;
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
      throw new KeyRecordInvalidError(`the key record ${this.url(tenant)} is not a valid tenant key record`, err);
    }
    if (record.tenant !== tenant) {
      throw new KeyRecordInvalidError(`the key record ${this.url(tenant)} names tenant ${record.tenant}`);
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
    for await (const object of this.store.list(keyRecordsFolder(this.prefix))) {
      const tenant = keyRecordTenant(this.prefix, object.key);
      if (tenant !== undefined) yield tenant;
    }
  }

  private encode(record: TenantKeyRecord): Buffer {
    return Buffer.from(`${JSON.stringify(record, null, 2)}\n`);
  }
}
