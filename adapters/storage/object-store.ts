/**
 * What the product needs from object storage, within one bucket. Keys are full object keys
 * (the configured prefix is already part of them). Implemented by `S3ObjectStore`; every
 * method throws `TransientStorageError` or `TerminalStorageError` when it fails.
 */
export interface ObjectStore {
  readonly bucket: string;

  /** Writes an object of at most one part in one request. */
  put(key: string, body: Buffer, contentType?: string): Promise<{ etag: string }>;
  /** Writes only if `condition` holds: `written: false` otherwise (an atomic compare-and-set). */
  putIf(key: string, body: Buffer, condition: PutCondition, contentType?: string): Promise<PutResult>;
  /** Bytes [start, end] (inclusive), and the object's full size. */
  getRange(key: string, start: number, end: number): Promise<{ bytes: Buffer; totalSize: number }>;
  /** The object's bytes as they arrive; a failure mid-way is thrown as a storage error too. */
  getStream(key: string, signal?: AbortSignal): Promise<{ body: AsyncIterable<Buffer>; size: number; etag: string }>;
  /** undefined when the object does not exist. */
  head(key: string): Promise<ObjectInfo | undefined>;
  list(prefix: string): AsyncIterable<ObjectInfo>;
  copy(sourceKey: string, targetKey: string): Promise<void>;
  /** Succeeds whether or not the object existed. */
  delete(key: string): Promise<void>;

  startMultipart(key: string): Promise<string>;
  uploadPart(key: string, uploadId: string, partNumber: number, body: Buffer, signal?: AbortSignal): Promise<string>;
  completeMultipart(key: string, uploadId: string, parts: readonly CompletedPart[]): Promise<{ etag: string }>;
  abortMultipart(key: string, uploadId: string): Promise<void>;
  /** Multipart uploads started for exactly `key` and neither completed nor aborted. */
  listMultipartUploads(key: string): Promise<PendingUpload[]>;
}

/** Create only when absent, or replace only the version with this ETag. */
export type PutCondition = { ifAbsent: true } | { ifMatch: string };

export type PutResult = { written: true; etag: string } | { written: false };

export interface ObjectInfo {
  key: string;
  size: number;
  etag: string;
  lastModified: Date;
}

export interface CompletedPart {
  partNumber: number;
  etag: string;
}

export interface PendingUpload {
  uploadId: string;
  initiated: Date | undefined;
}
