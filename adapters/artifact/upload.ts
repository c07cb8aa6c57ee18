import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { InvalidInputError } from '../../domain/errors';
import { checkTenantId } from '../keys/tenant-id';
import type { DataKey, DataKeySource } from '../keys/tenant-keys';
import type { ObjectStore } from '../storage/object-store';
import { ResumeRejectedError, uploadProgressSchema, uploadStream } from '../storage/stream-upload';
import { type ArtifactEncoding, checkEncoding, defaultEncoding, encodeArtifact } from './encode';
import { ARTIFACT_ID_BYTES } from './format';
import { readBackHead } from './read-back';

export const DEFAULT_PART_SIZE = 8 * 1024 * 1024;
export const DEFAULT_PARTS_IN_FLIGHT = 2;

export const artifactUploadStateSchema = z.object({
  format: z.literal('pitr-artifact-upload/1'),
  key: z.string(),
  tenant: z.string(),
  dataKeyId: z.string(),
  artifactId: z.string().regex(new RegExp(`^[0-9a-f]{${ARTIFACT_ID_BYTES * 2}}$`)),
  encoding: z.object({ chunkSize: z.number().int(), compressionLevel: z.number().int(), compressionWorkers: z.number().int() }),
  /** Input bytes read when this state was recorded (progress only: a resume re-reads from the start). */
  inputBytes: z.number().int().min(0),
  upload: uploadProgressSchema,
});

/**
 * Everything needed to continue an interrupted upload, and no key material: the activity
 * records it as heartbeat details. Encoding is deterministic for a given key, artifact id,
 * encoding and input, so a resume re-encodes from the start and skips the recorded parts.
 */
export type ArtifactUploadState = z.infer<typeof artifactUploadStateSchema>;

export interface PackArtifactRequest {
  store: ObjectStore;
  key: string;
  tenant: string;
  keys: DataKeySource;
  /**
   * Opens the input from its beginning; called once per attempt, so the input must not
   * change between attempts. A Readable will do; a source may reuse a buffer once the next is
   * requested (`readFileInPieces`).
   */
  openInput: () => AsyncIterable<Buffer>;
  encoding?: Partial<ArtifactEncoding>;
  partSize?: number;
  partsInFlight?: number;
  /** The last state given to `onProgress` by an interrupted attempt (e.g. from heartbeat details). */
  resume?: ArtifactUploadState;
  onProgress?: (state: ArtifactUploadState) => void | Promise<void>;
  signal?: AbortSignal;
}

export interface PackedArtifact {
  key: string;
  tenant: string;
  dataKeyId: string;
  artifactId: string;
  chunkSize: number;
  compressionLevel: number;
  /** zstd worker threads that compressed it (a resumed upload keeps the interrupted attempt's). */
  compressionWorkers: number;
  plaintextBytes: number;
  storedBytes: number;
  /** SHA-256 (hex) of the stored object, for the manifest. */
  sha256: string;
  parts: number;
  partsUploaded: number;
  partsReused: number;
  /** Why recorded progress could not be used and the upload started over, if it had to. */
  resumeRejected: string | undefined;
}

interface Attempt {
  key: DataKey;
  artifactId: Buffer;
  encoding: ArtifactEncoding;
  resume: ArtifactUploadState | undefined;
}

/**
 * Reads the input once, compresses, encrypts and hashes it, and uploads it to `key` with no
 * copy on disk; then reads the head of the stored object back and verifies it.
 */
export async function packArtifact(request: PackArtifactRequest): Promise<PackedArtifact> {
  checkTenantId(request.tenant);
  const resume = request.resume === undefined ? undefined : checkResumeState(request);
  if (resume) {
    const attempt: Attempt = {
      key: await request.keys.keyForReading(resume.tenant, resume.dataKeyId),
      artifactId: Buffer.from(resume.artifactId, 'hex'),
      encoding: resume.encoding,
      resume,
    };
    try {
      return await runAttempt(request, attempt, undefined);
    } catch (err) {
      if (!(err instanceof ResumeRejectedError)) throw err;
      return runAttempt(request, await freshAttempt(request), err.message);
    }
  }
  return runAttempt(request, await freshAttempt(request), undefined);
}

async function freshAttempt(request: PackArtifactRequest): Promise<Attempt> {
  const encoding = checkEncoding({ ...defaultEncoding(), ...request.encoding });
  return { key: await request.keys.keyForWriting(request.tenant), artifactId: randomBytes(ARTIFACT_ID_BYTES), encoding, resume: undefined };
}

function checkResumeState(request: PackArtifactRequest): ArtifactUploadState {
  const reject = (why: string): InvalidInputError =>
    new InvalidInputError(`the resume state given for tenant ${request.tenant} at ${request.key} cannot be used: ${why}`, {
      hint: 'pass the state that onProgress reported for this same upload, or none to start over',
    });
  const parsed = artifactUploadStateSchema.safeParse(request.resume);
  if (!parsed.success) throw reject(z.prettifyError(parsed.error));
  if (parsed.data.key !== request.key || parsed.data.tenant !== request.tenant) {
    throw reject(`it belongs to tenant ${parsed.data.tenant} at ${parsed.data.key}`);
  }
  checkEncoding(parsed.data.encoding);
  return parsed.data;
}

async function runAttempt(request: PackArtifactRequest, attempt: Attempt, resumeRejected: string | undefined): Promise<PackedArtifact> {
  const { key: dataKey, artifactId, encoding } = attempt;
  let inputBytes = 0;
  async function* counted(input: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const piece of input) {
      inputBytes += piece.length;
      yield piece;
    }
  }
  const stored = encodeArtifact(counted(request.openInput()), { key: dataKey, artifactId, ...encoding });
  const uploaded = await uploadStream({
    store: request.store,
    key: request.key,
    body: stored,
    partSize: request.partSize ?? DEFAULT_PART_SIZE,
    partsInFlight: request.partsInFlight ?? DEFAULT_PARTS_IN_FLIGHT,
    resume: attempt.resume?.upload,
    signal: request.signal,
    onProgress: (upload) =>
      request.onProgress?.({
        format: 'pitr-artifact-upload/1',
        key: request.key,
        tenant: dataKey.tenant,
        dataKeyId: dataKey.id,
        artifactId: artifactId.toString('hex'),
        encoding,
        inputBytes,
        upload,
      }),
  });
  await readBackHead(request.store, request.key, request.keys, { tenant: dataKey.tenant, artifactId, storedBytes: uploaded.size });
  return {
    key: request.key,
    tenant: dataKey.tenant,
    dataKeyId: dataKey.id,
    artifactId: artifactId.toString('hex'),
    chunkSize: encoding.chunkSize,
    compressionLevel: encoding.compressionLevel,
    compressionWorkers: encoding.compressionWorkers,
    plaintextBytes: inputBytes,
    storedBytes: uploaded.size,
    sha256: uploaded.sha256,
    parts: uploaded.parts,
    partsUploaded: uploaded.partsUploaded,
    partsReused: uploaded.partsReused,
    resumeRejected,
  };
}
