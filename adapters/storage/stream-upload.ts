import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { InvalidInputError, PitrError } from '../../domain/errors';
import { UploadNotFoundError } from './errors';
import type { CompletedPart, ObjectStore } from './object-store';

/** S3 rejects smaller parts (except the last) and more than 10,000 of them. */
export const MIN_PART_SIZE = 5 * 1024 * 1024;
const MAX_PARTS = 10_000;
/** Part buffers are held in memory, (partsInFlight + 1) of them; this keeps that bounded. */
const MAX_PART_SIZE = 64 * 1024 * 1024;
const MAX_PARTS_IN_FLIGHT = 8;

export const uploadProgressSchema = z.object({
  uploadId: z.string().min(1),
  partSize: z.number().int().min(MIN_PART_SIZE),
  parts: z.array(z.object({ partNumber: z.number().int().min(1).max(MAX_PARTS), etag: z.string().min(1) })),
  bytes: z.number().int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

/**
 * How far a multipart upload got: the parts S3 acknowledged, in order from part 1, and the
 * SHA-256 of the bytes they hold. A resumed upload reads its (deterministic) input again,
 * skips those bytes instead of sending them, and checks they hash to `sha256`.
 */
export type UploadProgress = z.infer<typeof uploadProgressSchema>;

export interface StreamUploadRequest {
  store: ObjectStore;
  key: string;
  body: AsyncIterable<Buffer>;
  partSize: number;
  /** Parts being sent while the next one fills; memory is about (partsInFlight + 1) × partSize. */
  partsInFlight: number;
  resume?: UploadProgress;
  /** Called each time one more part is acknowledged; throwing stops the upload, resumably. */
  onProgress?: (progress: UploadProgress) => void | Promise<void>;
  signal?: AbortSignal;
}

export interface UploadedObject {
  size: number;
  /** SHA-256 (hex) of every byte of the stored object. */
  sha256: string;
  etag: string;
  parts: number;
  partsUploaded: number;
  partsReused: number;
}

/** The recorded progress cannot be continued; the caller must start the upload afresh. */
export class ResumeRejectedError extends PitrError {
  constructor(
    readonly reason: 'upload-gone' | 'input-changed',
    detail: string,
  ) {
    super(`cannot resume the upload: ${detail}`, { hint: 'start the upload again without the recorded progress' });
  }
}

/** Aborts every unfinished multipart upload of `key` except `keep`; returns the aborted ids. */
export async function abortStaleUploads(store: ObjectStore, key: string, keep?: string): Promise<string[]> {
  const stale = (await store.listMultipartUploads(key)).filter((u) => u.uploadId !== keep);
  for (const upload of stale) await store.abortMultipart(key, upload.uploadId);
  return stale.map((u) => u.uploadId);
}

interface InFlightPart {
  uploadId: string;
  partNumber: number;
  buffer: Buffer;
  outcome: Promise<{ etag: string } | { error: unknown }>;
  endOffset: number;
  prefixSha256: string;
}

/**
 * Uploads a byte stream of unknown length without a copy on disk: one PUT when it fits in a
 * part, otherwise a multipart upload with `partsInFlight` parts sent concurrently and
 * backpressure on the stream. Parts are assembled in a fixed pool of part buffers, so memory
 * stays flat and the garbage collector has nothing large to chase. Progress is reported only
 * for the contiguous prefix of acknowledged parts, so a resume never has holes.
 */
export async function uploadStream(request: StreamUploadRequest): Promise<UploadedObject> {
  const { store, key, resume, signal } = request;
  const partSize = resume?.partSize ?? request.partSize;
  if (!Number.isInteger(partSize) || partSize < MIN_PART_SIZE || partSize > MAX_PART_SIZE) {
    throw new InvalidInputError(`part size ${partSize} is outside ${MIN_PART_SIZE}..${MAX_PART_SIZE} bytes`, {
      hint: 'S3 needs parts of at least 5 MiB, and each part in flight is held in memory: use 8 MiB (the default) to 64 MiB',
    });
  }
  if (!Number.isInteger(request.partsInFlight) || request.partsInFlight < 1 || request.partsInFlight > MAX_PARTS_IN_FLIGHT) {
    throw new InvalidInputError(`${request.partsInFlight} parts in flight is not between 1 and ${MAX_PARTS_IN_FLIGHT}`, {
      hint: 'two parts in flight (the default) keep the connection busy; more only add memory',
    });
  }
  const reused = resume?.parts.length ?? 0;
  const completed: CompletedPart[] = resume ? [...resume.parts] : [];
  const hash = createHash('sha256');
  const freeBuffers: Buffer[] = [];
  const inFlight: InFlightPart[] = [];
  let uploadId = resume?.uploadId;
  let partNumber = 0;
  let total = 0;
  let uploaded = 0;

  const resumeFailure = (err: unknown): unknown =>
    resume && err instanceof UploadNotFoundError
      ? new ResumeRejectedError('upload-gone', `multipart upload ${resume.uploadId} of ${key} no longer exists`)
      : err;

  const settleOldest = async (): Promise<void> => {
    const part = inFlight.shift();
    if (!part) return;
    const outcome = await part.outcome;
    freeBuffers.push(part.buffer);
    if ('error' in outcome) throw resumeFailure(outcome.error);
    completed.push({ partNumber: part.partNumber, etag: outcome.etag });
    uploaded++;
    await request.onProgress?.({
      uploadId: part.uploadId,
      partSize,
      parts: [...completed],
      bytes: part.endOffset,
      sha256: part.prefixSha256,
    });
  };

  /** Hashes a filled part and sends it (or skips it when resuming); `buffer` goes back to the pool once done. */
  const cut = async (buffer: Buffer, length: number): Promise<void> => {
    partNumber++;
    if (partNumber > MAX_PARTS) {
      throw new InvalidInputError(`${key} needs more than ${MAX_PARTS} parts of ${partSize} bytes`, {
        hint: 'use a larger part size for inputs this big',
      });
    }
    const part = buffer.subarray(0, length);
    hash.update(part);
    total += length;
    if (partNumber <= reused) {
      freeBuffers.push(buffer);
      if (partNumber === reused && (total !== resume?.bytes || hash.copy().digest('hex') !== resume.sha256)) {
        throw new ResumeRejectedError(
          'input-changed',
          `re-reading the input did not reproduce the ${reused} parts already uploaded to ${key}`,
        );
      }
      return;
    }
    if (uploadId === undefined) {
      await abortStaleUploads(store, key);
      uploadId = await store.startMultipart(key);
    }
    while (inFlight.length >= request.partsInFlight) await settleOldest();
    const outcome = store.uploadPart(key, uploadId, partNumber, part, signal).then(
      (etag) => ({ etag }),
      (error: unknown) => ({ error }),
    );
    inFlight.push({ uploadId, partNumber, buffer, outcome, endOffset: total, prefixSha256: hash.copy().digest('hex') });
  };

  // A worker can die after completing (or aborting) the upload its progress names. Asked for a
  // part of an upload that is gone, S3 servers answer before reading the body and close the
  // connection, which the client sees as a reset, not as NoSuchUpload: so look first.
  if (resume && !(await store.listMultipartUploads(key)).some((u) => u.uploadId === resume.uploadId)) {
    throw new ResumeRejectedError('upload-gone', `multipart upload ${resume.uploadId} of ${key} no longer exists (completed or aborted)`);
  }
  let filling: Buffer = Buffer.allocUnsafe(partSize);
  let filled = 0;
  try {
    for await (const piece of request.body) {
      signal?.throwIfAborted();
      for (let offset = 0; offset < piece.length; ) {
        // A full part is sent only once more bytes follow, so that an input of exactly one part is a single PUT.
        if (filled === partSize) {
          await cut(filling, filled);
          filling = freeBuffers.pop() ?? Buffer.allocUnsafe(partSize);
          filled = 0;
        }
        const copied = piece.copy(filling, filled, offset);
        filled += copied;
        offset += copied;
      }
    }
    signal?.throwIfAborted();
    if (partNumber === 0 && reused === 0) {
      const body = filling.subarray(0, filled);
      const put = await store.put(key, body);
      return { size: filled, sha256: hash.update(body).digest('hex'), etag: put.etag, parts: 1, partsUploaded: 1, partsReused: 0 };
    }
    await cut(filling, filled);
    if (partNumber < reused) {
      throw new ResumeRejectedError('input-changed', `the input now ends before the ${reused} parts already uploaded to ${key}`);
    }
    while (inFlight.length > 0) await settleOldest();
    assert(uploadId !== undefined, 'a multipart upload with parts has an upload id');
    const { etag } = await store.completeMultipart(key, uploadId, completed).catch((err: unknown) => {
      throw resumeFailure(err);
    });
    return { size: total, sha256: hash.digest('hex'), etag, parts: partNumber, partsUploaded: uploaded, partsReused: reused };
  } finally {
    // Never leave requests running behind a failure: a resumed attempt must not race them.
    await Promise.all(inFlight.map((part) => part.outcome));
  }
}
