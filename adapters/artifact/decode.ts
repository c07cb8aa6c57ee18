import { Transform, type TransformCallback, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DecompressStream } from 'zstd-napi';
import type { DataKeySource } from '../keys/tenant-keys';
import { ArtifactCorruptError } from './errors';
import { ArtifactReader, type ExpectedArtifact } from './reader';

export interface DecodedArtifact {
  tenant: string;
  dataKeyId: string;
  artifactId: string;
  chunkSize: number;
  compressionLevel: number;
  chunks: number;
  plaintextBytes: number;
  storedBytes: number;
  /** SHA-256 (hex) of the stored bytes. */
  sha256: string;
}

export interface DecodeOptions {
  keys: DataKeySource;
  /** Names the artifact in errors, e.g. s3://bucket/key. */
  artifact: string;
  expected?: ExpectedArtifact & { sha256?: string };
}

/** zstd errors after every chunk authenticated mean the writer itself produced a bad stream. */
class ArtifactDecompressStream extends DecompressStream {
  constructor(private readonly reader: ArtifactReader) {
    super();
  }

  override _transform(chunk: unknown, encoding: string, done: TransformCallback): void {
    super._transform(chunk, encoding, (err) => done(err ? this.corrupt(err) : undefined));
  }

  override _flush(done: TransformCallback): void {
    super._flush((err) => done(err ? this.corrupt(err) : undefined));
  }

  private corrupt(err: Error): ArtifactCorruptError {
    return new ArtifactCorruptError(
      { artifact: this.reader.artifact, check: 'compressed-stream', chunkIndex: this.reader.chunks - 1, offset: this.reader.storedBytes },
      `the authenticated payload is not a valid zstd stream (${err.message}): the writer produced it broken`,
    );
  }
}

/**
 * Verifies stored artifact bytes and writes the decompressed input to `destination`. Nothing
 * is written before the header and key check out; a failure later leaves `destination`
 * partial, so callers write to a temporary place and keep it only on success.
 */
export async function decodeArtifact(
  stored: AsyncIterable<Buffer>,
  destination: Writable,
  options: DecodeOptions,
): Promise<DecodedArtifact> {
  const reader = new ArtifactReader(stored, options.artifact);
  const { header } = await reader.open(options.keys, options.expected);
  let plaintextBytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      plaintextBytes += chunk.length;
      done(null, chunk);
    },
  });
  await pipeline(
    async function* payloads() {
      for (let chunk = await reader.nextChunk(); chunk; chunk = await reader.nextChunk()) yield chunk;
    },
    new ArtifactDecompressStream(reader),
    counter,
    destination,
  );
  const sha256 = reader.sha256();
  const expectedSha = options.expected?.sha256;
  if (expectedSha !== undefined && expectedSha !== sha256) {
    throw new ArtifactCorruptError(
      { artifact: options.artifact, check: 'stored-sha256', chunkIndex: undefined, offset: 0 },
      `the stored bytes hash to ${sha256}, not ${expectedSha} as recorded`,
    );
  }
  return {
    tenant: header.tenant,
    dataKeyId: header.dataKeyId,
    artifactId: header.artifactId.toString('hex'),
    chunkSize: header.chunkSize,
    compressionLevel: header.compressionLevel,
    chunks: reader.chunks,
    plaintextBytes,
    storedBytes: reader.storedBytes,
    sha256,
  };
}
