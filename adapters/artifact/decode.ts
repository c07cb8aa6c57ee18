import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { DataKeySource } from '../keys/tenant-keys';
import { ArtifactCorruptError } from './errors';
import { ArtifactReader, type ExpectedArtifact } from './reader';
import { ZstdDecompressThread, ZstdStreamError } from './zstd-decompress-thread';

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

/**
 * Verifies stored artifact bytes and writes the decompressed input to `destination`. Nothing
 * is written before the header and key check out; a failure later leaves `destination`
 * partial (and destroyed), so callers write to a temporary place and keep it only on success.
 * Only authenticated chunks reach the decompressor, which runs on a thread of its own while
 * the next chunks are downloaded, hashed and decrypted.
 */
export async function decodeArtifact(
  stored: AsyncIterable<Buffer>,
  destination: Writable,
  options: DecodeOptions,
): Promise<DecodedArtifact> {
  const reader = new ArtifactReader(stored, options.artifact);
  const { header } = await reader.open(options.keys, options.expected);
  let plaintextBytes = 0;
  let destinationError: Error | undefined;
  const onError = (err: Error): void => {
    destinationError ??= err;
  };
  destination.on('error', onError);
  // One wait for 'drain' however many outputs arrive meanwhile.
  let drained: Promise<void> | undefined;
  const decompressor = new ZstdDecompressThread((bytes) => {
    if (destinationError) throw destinationError;
    plaintextBytes += bytes.length;
    if (destination.write(bytes)) return drained;
    drained ??= once(destination, 'drain').then(() => {
      drained = undefined;
    });
    return drained;
  });
  try {
    for (let chunk = await reader.nextChunk(); chunk; chunk = await reader.nextChunk()) await decompressor.write(chunk);
    await decompressor.end();
    destination.end();
    await finished(destination, { readable: false });
  } catch (err) {
    await decompressor.close();
    await reader.close();
    destination.destroy();
    throw err instanceof ZstdStreamError
      ? new ArtifactCorruptError(
          { artifact: reader.artifact, check: 'compressed-stream', chunkIndex: reader.chunks - 1, offset: reader.storedBytes },
          `the authenticated payload is not a valid zstd stream (${err.message}): the writer produced it broken`,
        )
      : err;
  } finally {
    destination.off('error', onError);
  }
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
