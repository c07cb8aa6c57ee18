import { once } from 'node:events';
import { closeSync, openSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { DataKeySource } from '../keys/tenant-keys';
import { ArtifactCorruptError, ArtifactDestinationError } from './errors';
import { ArtifactReader, type ExpectedArtifact } from './reader';
import { DecompressedWriteError, type DecompressedSink, ZstdDecompressThread, ZstdStreamError } from './zstd-decompress-thread';

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

/**
 * Where the original bytes go: a stream; a file, which the decompression thread writes
 * itself (created or truncated; the fastest way out); or nowhere, to verify only.
 */
export type DecodeDestination = { stream: Writable } | { file: string } | { discard: true };

export interface DecodeOptions {
  keys: DataKeySource;
  /** Names the artifact in errors, e.g. s3://bucket/key. */
  artifact: string;
  expected?: ExpectedArtifact & { sha256?: string };
}

/**
 * Verifies stored artifact bytes and writes the decompressed input to `destination`. Nothing
 * is written before the header and key check out; a failure later leaves `destination`
 * partial (a stream destroyed), so callers write to a temporary place and keep it only on
 * success. Only authenticated chunks reach the decompressor, which runs on a thread of its
 * own while the next chunks are downloaded, hashed and decrypted.
 */
export async function decodeArtifact(
  stored: AsyncIterable<Buffer>,
  destination: DecodeDestination,
  options: DecodeOptions,
): Promise<DecodedArtifact> {
  const reader = new ArtifactReader(stored, options.artifact);
  const { header } = await reader.open(options.keys, options.expected);
  const output = openDestination(destination);
  const decompressor = new ZstdDecompressThread(output.sink, header.chunkSize);
  try {
    while (await decompressor.writeInto((slot) => reader.nextChunk(slot)));
    await decompressor.end();
    await output.finish();
  } catch (err) {
    await decompressor.close();
    await reader.close();
    output.abandon();
    if (err instanceof ZstdStreamError) {
      throw new ArtifactCorruptError(
        { artifact: reader.artifact, check: 'compressed-stream', chunkIndex: reader.chunks - 1, offset: reader.storedBytes },
        `the authenticated payload is not a valid zstd stream (${err.message}): the writer produced it broken`,
      );
    }
    if (err instanceof DecompressedWriteError && 'file' in destination)
      throw new ArtifactDestinationError(destination.file, err.message, err.code);
    throw err;
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
    plaintextBytes: decompressor.bytes,
    storedBytes: reader.storedBytes,
    sha256,
  };
}

interface OpenDestination {
  sink: DecompressedSink;
  /** Once every byte was handed over: the stream flushed, the file closed. */
  finish(): Promise<void>;
  /** After a failure: the stream destroyed, the file closed as it is. */
  abandon(): void;
}

function openDestination(destination: DecodeDestination): OpenDestination {
  if ('discard' in destination) return { sink: { sink: 'discard' }, finish: async () => undefined, abandon: () => undefined };
  if ('file' in destination) {
    let fd: number | undefined;
    try {
      fd = openSync(destination.file, 'w');
    } catch (err) {
      const { message, code } = err as NodeJS.ErrnoException;
      throw new ArtifactDestinationError(destination.file, message, code);
    }
    const close = (): void => {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    };
    return { sink: { sink: 'file', fd }, finish: async () => close(), abandon: close };
  }
  return streamDestination(destination.stream);
}

function streamDestination(stream: Writable): OpenDestination {
  let streamError: Error | undefined;
  const onError = (err: Error): void => {
    streamError ??= err;
  };
  stream.on('error', onError);
  // One wait for 'drain' however many outputs arrive meanwhile.
  let drained: Promise<void> | undefined;
  const output = (bytes: Buffer): Promise<void> | undefined => {
    if (streamError) throw streamError;
    if (stream.write(bytes)) return drained;
    drained ??= once(stream, 'drain').then(() => {
      drained = undefined;
    });
    return drained;
  };
  return {
    sink: { sink: 'deliver', output },
    async finish() {
      stream.end();
      await finished(stream, { readable: false });
      stream.off('error', onError);
    },
    abandon() {
      stream.destroy();
      stream.off('error', onError);
    },
  };
}
