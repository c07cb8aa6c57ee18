import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { crc32 } from '@node-rs/crc32';
import { Agent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { Readable } from 'node:stream';
import { classifyStorageError, ObjectNotFoundError, objectNotFound, StorageError } from './errors';
import type { CompletedPart, ObjectInfo, ObjectStore, PendingUpload, PutCondition, PutResult } from './object-store';
import { DEFAULT_RETRY_POLICY, type RetryListener, withRetry } from './retry';
import type { SettingsOrigin } from './settings-origin';

/**
 * `when-supported` (the default): every upload carries a CRC32 the server verifies, part bodies
 * sent unsigned with theirs in a header. `when-required`: checksums only where S3
 * demands them and part bodies sent whole with a signed SHA-256 payload, for stores that reject
 * aws-chunked trailers (GCS's S3 endpoint); it costs a second SHA-256 pass over every byte.
 */
export type ChecksumMode = 'when-supported' | 'when-required';

export interface S3Connection {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  checksums?: ChecksumMode;
}

/** S3 refuses CopyObject above 5 GiB; larger objects are copied part by part. */
const MAX_SINGLE_COPY_BYTES = 5 * 1024 ** 3;
const COPY_PART_BYTES = 512 * 1024 ** 2;

/**
 * Failed calls reach the caller as typed errors, so the SDK's own error log is left out; and
 * its warning that a failed streaming upload is "non-retryable" would mislead, since
 * `withRetry` retries it with a fresh stream. Other warnings pass through.
 */
const sdkLogger = {
  debug: (): void => undefined,
  info: (): void => undefined,
  warn: (...content: unknown[]): void => {
    if (!String(content[0]).includes('non-retryable streaming request')) console.warn(...content);
  },
  error: (): void => undefined,
};

/**
 * A client for any S3-compatible endpoint. Retries are off here on purpose: `withRetry` is
 * the single retry loop. Uploads carry a CRC32 checksum that the server verifies: for part
 * uploads, computed before sending (`crc32Base64`) and sent as a header with an unsigned
 * payload, which spares a second SHA-256 pass over every byte next to the one the manifest
 * needs. Downloads are verified by the artifact format itself, not by response checksums.
 */
export function createS3Client(connection: S3Connection): S3Client {
  const agentOptions = { keepAlive: true, maxSockets: 32 };
  return new S3Client({
    logger: sdkLogger,
    endpoint: connection.endpoint,
    region: connection.region,
    forcePathStyle: true,
    credentials: { accessKeyId: connection.accessKeyId, secretAccessKey: connection.secretAccessKey },
    maxAttempts: 1,
    requestChecksumCalculation: connection.checksums === 'when-required' ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: {
      connectionTimeout: 10_000,
      requestTimeout: 120_000,
      httpAgent: new Agent(agentOptions),
      httpsAgent: new HttpsAgent(agentOptions),
    },
  });
}

export interface S3StoreOptions {
  /** Objects above this size are copied with UploadPartCopy in parts of `copyPartBytes`. */
  maxSingleCopyBytes?: number;
  copyPartBytes?: number;
  /** Hears of every call that failed and is being retried. */
  onRetry?: RetryListener;
  /** As the client was created with (`createS3Client`): `when-required` sends part bodies whole and signed. */
  checksums?: ChecksumMode;
  /** Where the client's endpoint and credentials came from, named by the hints of failed calls. */
  origin?: SettingsOrigin;
}

/**
 * x-amz-checksum-crc32 of a part. Given in the request, it spares the SDK its own pass (zlib's
 * crc32, a quarter of the speed of @node-rs/crc32's SIMD one: 300 ms per 400 MB of parts on a
 * pack's critical path) and the aws-chunked framing of the body that carries it as a trailer.
 */
function crc32Base64(body: Buffer): string {
  const digest = Buffer.alloc(4);
  digest.writeUInt32BE(crc32(body) >>> 0);
  return digest.toString('base64');
}

function copySource(bucket: string, key: string): string {
  return [bucket, ...key.split('/')].map(encodeURIComponent).join('/');
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`the S3 response has no ${what}`);
  return value;
}

export class S3ObjectStore implements ObjectStore {
  private readonly maxSingleCopyBytes: number;
  private readonly copyPartBytes: number;
  private readonly onRetry: RetryListener | undefined;
  private readonly streamedParts: boolean;
  readonly origin: SettingsOrigin | undefined;

  constructor(
    readonly client: S3Client,
    readonly bucket: string,
    options: S3StoreOptions = {},
  ) {
    this.maxSingleCopyBytes = options.maxSingleCopyBytes ?? MAX_SINGLE_COPY_BYTES;
    this.copyPartBytes = options.copyPartBytes ?? COPY_PART_BYTES;
    this.onRetry = options.onRetry;
    this.streamedParts = options.checksums !== 'when-required';
    this.origin = options.origin;
  }

  private call<T>(operation: string, key: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return withRetry(fn, { operation, bucket: this.bucket, key, origin: this.origin }, DEFAULT_RETRY_POLICY, signal, this.onRetry);
  }

  async put(key: string, body: Buffer, contentType?: string): Promise<{ etag: string }> {
    const out = await this.call('put', key, () =>
      this.client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentLength: body.length, ContentType: contentType }),
      ),
    );
    return { etag: required(out.ETag, 'ETag') };
  }

  async putIf(key: string, body: Buffer, condition: PutCondition, contentType?: string): Promise<PutResult> {
    const ifMatch = 'ifMatch' in condition ? condition.ifMatch : undefined;
    try {
      const out = await this.call('conditional-put', key, () =>
        this.client.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: key,
            Body: body,
            ContentLength: body.length,
            ContentType: contentType,
            IfNoneMatch: ifMatch === undefined ? '*' : undefined,
            IfMatch: ifMatch,
          }),
        ),
      );
      return { written: true, etag: required(out.ETag, 'ETag') };
    } catch (err) {
      const preconditionFailed = err instanceof StorageError && err.failure.status === 412;
      const replacedObjectGone = ifMatch !== undefined && err instanceof ObjectNotFoundError;
      if (preconditionFailed || replacedObjectGone) return { written: false };
      throw err;
    }
  }

  async getRange(key: string, start: number, end: number): Promise<{ bytes: Buffer; totalSize: number }> {
    return this.call('get-range', key, async () => {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: `bytes=${start}-${end}` }));
      const bytes = Buffer.from(await required(out.Body, 'body').transformToByteArray());
      const total = /\/(\d+)$/.exec(out.ContentRange ?? '')?.[1];
      return { bytes, totalSize: total === undefined ? bytes.length : Number(total) };
    });
  }

  async getStream(key: string, signal?: AbortSignal): Promise<{ body: AsyncIterable<Buffer>; size: number; etag: string }> {
    const out = await this.call(
      'get',
      key,
      () => this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }), { abortSignal: signal }),
      signal,
    );
    const body = required(out.Body, 'body');
    if (!(body instanceof Readable)) throw new Error('the S3 client returned a non-Node body stream');
    return {
      body: this.classified(body, key, signal),
      size: required(out.ContentLength, 'Content-Length'),
      etag: required(out.ETag, 'ETag'),
    };
  }

  private async *classified(body: Readable, key: string, signal: AbortSignal | undefined): AsyncGenerator<Buffer> {
    try {
      for await (const piece of body) yield piece as Buffer;
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      throw classifyStorageError(err, { operation: 'get', bucket: this.bucket, key, origin: this.origin });
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const out = await this.call('head', key, () => this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key })));
      return {
        key,
        size: required(out.ContentLength, 'Content-Length'),
        etag: required(out.ETag, 'ETag'),
        lastModified: required(out.LastModified, 'Last-Modified'),
      };
    } catch (err) {
      if (err instanceof ObjectNotFoundError) return undefined;
      throw err;
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    let token: string | undefined;
    do {
      const page = await this.call('list', prefix, () =>
        this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token })),
      );
      for (const item of page.Contents ?? []) {
        yield {
          key: required(item.Key, 'Key'),
          size: item.Size ?? 0,
          etag: item.ETag ?? '',
          lastModified: item.LastModified ?? new Date(0),
        };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  async copy(sourceKey: string, targetKey: string): Promise<void> {
    const source = await this.head(sourceKey);
    if (source === undefined) {
      throw objectNotFound({ operation: 'copy', bucket: this.bucket, key: sourceKey });
    }
    if (source.size <= this.maxSingleCopyBytes) {
      await this.call('copy', targetKey, () =>
        this.client.send(new CopyObjectCommand({ Bucket: this.bucket, Key: targetKey, CopySource: copySource(this.bucket, sourceKey) })),
      );
      return;
    }
    const uploadId = await this.startMultipart(targetKey);
    try {
      const parts: CompletedPart[] = [];
      for (let start = 0, partNumber = 1; start < source.size; start += this.copyPartBytes, partNumber++) {
        const end = Math.min(source.size, start + this.copyPartBytes) - 1;
        const out = await this.call('copy-part', targetKey, () =>
          this.client.send(
            new UploadPartCopyCommand({
              Bucket: this.bucket,
              Key: targetKey,
              UploadId: uploadId,
              PartNumber: partNumber,
              CopySource: copySource(this.bucket, sourceKey),
              CopySourceRange: `bytes=${start}-${end}`,
              CopySourceIfMatch: source.etag,
            }),
          ),
        );
        parts.push({ partNumber, etag: required(out.CopyPartResult?.ETag, 'ETag') });
      }
      await this.completeMultipart(targetKey, uploadId, parts);
    } catch (err) {
      await this.abortMultipart(targetKey, uploadId).catch(() => undefined);
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await this.call('delete', key, () => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key })));
  }

  async startMultipart(key: string): Promise<string> {
    const out = await this.call('create-multipart-upload', key, () =>
      this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: key })),
    );
    return required(out.UploadId, 'UploadId');
  }

  async uploadPart(key: string, uploadId: string, partNumber: number, body: Buffer, signal?: AbortSignal): Promise<string> {
    const out = await this.call(
      'upload-part',
      key,
      () =>
        this.client.send(
          new UploadPartCommand({
            Bucket: this.bucket,
            Key: key,
            UploadId: uploadId,
            PartNumber: partNumber,
            // A stream body is sent unsigned, with the part's CRC32 for the server to check (see createS3Client);
            // a fresh stream per attempt, so that a retry sends the part again from its start.
            Body: this.streamedParts ? Readable.from([body], { objectMode: false }) : body,
            ContentLength: body.length,
            ChecksumCRC32: this.streamedParts ? crc32Base64(body) : undefined,
          }),
          { abortSignal: signal },
        ),
      signal,
    );
    return required(out.ETag, 'ETag');
  }

  async completeMultipart(key: string, uploadId: string, parts: readonly CompletedPart[]): Promise<{ etag: string }> {
    const out = await this.call('complete-multipart-upload', key, () =>
      this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })) },
        }),
      ),
    );
    return { etag: required(out.ETag, 'ETag') };
  }

  async abortMultipart(key: string, uploadId: string): Promise<void> {
    await this.call('abort-multipart-upload', key, () =>
      this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId })),
    );
  }

  async listMultipartUploads(key: string): Promise<PendingUpload[]> {
    return (await this.listMultipartUploadsUnder(key))
      .filter((u) => u.key === key)
      .map(({ uploadId, initiated }) => ({ uploadId, initiated }));
  }

  /** Multipart uploads of every key starting with `prefix`, neither completed nor aborted. */
  async listMultipartUploadsUnder(prefix: string): Promise<Array<PendingUpload & { key: string }>> {
    const uploads: Array<PendingUpload & { key: string }> = [];
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (;;) {
      const page = await this.call('list-multipart-uploads', prefix, () =>
        this.client.send(
          new ListMultipartUploadsCommand({ Bucket: this.bucket, Prefix: prefix, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }),
        ),
      );
      for (const upload of page.Uploads ?? []) {
        if (upload.Key && upload.UploadId) uploads.push({ key: upload.Key, uploadId: upload.UploadId, initiated: upload.Initiated });
      }
      if (!page.IsTruncated) return uploads;
      keyMarker = page.NextKeyMarker;
      uploadIdMarker = page.NextUploadIdMarker;
    }
  }
}
