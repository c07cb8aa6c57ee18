import { createHash } from 'node:crypto';
import { objectNotFound, UploadNotFoundError } from '../../../adapters/storage/errors';
import type {
  CompletedPart,
  ObjectInfo,
  ObjectStore,
  PendingUpload,
  PutCondition,
  PutResult,
} from '../../../adapters/storage/object-store';

/** An ObjectStore in memory with S3's semantics where the code relies on them (ETags, conditions, multipart). */
export class MemoryObjectStore implements ObjectStore {
  readonly bucket = 'memory';
  readonly objects = new Map<string, { bytes: Buffer; etag: string; lastModified: Date }>();
  readonly uploads = new Map<string, { key: string; parts: Map<number, Buffer>; initiated: Date }>();
  readonly calls: string[] = [];
  /** How long each part upload takes, to observe how many run at once. */
  partDelayMs = 0;
  partsInFlight = 0;
  maxPartsInFlight = 0;
  private nextUpload = 1;

  private write(key: string, bytes: Buffer): string {
    const etag = `"${createHash('md5').update(bytes).digest('hex')}"`;
    this.objects.set(key, { bytes: Buffer.from(bytes), etag, lastModified: new Date() });
    return etag;
  }

  private object(key: string, operation: string): { bytes: Buffer; etag: string } {
    const object = this.objects.get(key);
    if (!object) throw objectNotFound({ operation, bucket: this.bucket, key });
    return object;
  }

  private upload(key: string, uploadId: string): { parts: Map<number, Buffer> } {
    const upload = this.uploads.get(uploadId);
    if (!upload || upload.key !== key) {
      throw new UploadNotFoundError(
        `upload ${uploadId} is gone`,
        { operation: 'upload', bucket: this.bucket, key, status: 404, code: 'NoSuchUpload', attempts: 1 },
        { hint: '', cause: undefined },
      );
    }
    return upload;
  }

  async put(key: string, body: Buffer): Promise<{ etag: string }> {
    this.calls.push(`put ${key}`);
    return { etag: this.write(key, body) };
  }

  async putIf(key: string, body: Buffer, condition: PutCondition): Promise<PutResult> {
    this.calls.push(`putIf ${key}`);
    const current = this.objects.get(key);
    const holds = 'ifAbsent' in condition ? current === undefined : current?.etag === condition.ifMatch;
    return holds ? { written: true, etag: this.write(key, body) } : { written: false };
  }

  async getRange(key: string, start: number, end: number): Promise<{ bytes: Buffer; totalSize: number }> {
    this.calls.push(`getRange ${key} ${start}-${end}`);
    const { bytes } = this.object(key, 'get-range');
    return { bytes: Buffer.from(bytes.subarray(start, end + 1)), totalSize: bytes.length };
  }

  async getStream(key: string): Promise<{ body: AsyncIterable<Buffer>; size: number; etag: string }> {
    this.calls.push(`get ${key}`);
    const { bytes, etag } = this.object(key, 'get');
    async function* pieces(): AsyncGenerator<Buffer> {
      for (let at = 0; at < bytes.length; at += 65_536) yield Buffer.from(bytes.subarray(at, at + 65_536));
    }
    return { body: pieces(), size: bytes.length, etag };
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const object = this.objects.get(key);
    return object && { key, size: object.bytes.length, etag: object.etag, lastModified: object.lastModified };
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    for (const key of [...this.objects.keys()].sort()) {
      const info = key.startsWith(prefix) ? await this.head(key) : undefined;
      if (info) yield info;
    }
  }

  async copy(sourceKey: string, targetKey: string): Promise<void> {
    this.write(targetKey, this.object(sourceKey, 'copy').bytes);
  }

  async delete(key: string): Promise<void> {
    this.objects.delete(key);
  }

  async startMultipart(key: string): Promise<string> {
    const uploadId = `upload-${this.nextUpload++}`;
    this.calls.push(`start ${key}`);
    this.uploads.set(uploadId, { key, parts: new Map(), initiated: new Date() });
    return uploadId;
  }

  async uploadPart(key: string, uploadId: string, partNumber: number, body: Buffer): Promise<string> {
    this.calls.push(`part ${partNumber}`);
    this.maxPartsInFlight = Math.max(this.maxPartsInFlight, ++this.partsInFlight);
    await new Promise((resolve) => setTimeout(resolve, this.partDelayMs));
    this.partsInFlight--;
    this.upload(key, uploadId).parts.set(partNumber, Buffer.from(body));
    return `"${createHash('md5').update(body).digest('hex')}"`;
  }

  async completeMultipart(key: string, uploadId: string, parts: readonly CompletedPart[]): Promise<{ etag: string }> {
    this.calls.push(`complete ${key}`);
    const upload = this.upload(key, uploadId);
    const bytes = parts.map((p) => {
      const part = upload.parts.get(p.partNumber);
      if (!part || `"${createHash('md5').update(part).digest('hex')}"` !== p.etag) throw new Error(`part ${p.partNumber} does not match`);
      return part;
    });
    this.uploads.delete(uploadId);
    return { etag: this.write(key, Buffer.concat(bytes)) };
  }

  async abortMultipart(key: string, uploadId: string): Promise<void> {
    this.calls.push(`abort ${uploadId}`);
    this.upload(key, uploadId);
    this.uploads.delete(uploadId);
  }

  async listMultipartUploads(key: string): Promise<PendingUpload[]> {
    return [...this.uploads.entries()].filter(([, u]) => u.key === key).map(([uploadId, u]) => ({ uploadId, initiated: u.initiated }));
  }
}
