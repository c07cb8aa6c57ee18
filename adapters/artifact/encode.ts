import { availableParallelism } from 'node:os';
import { InvalidInputError } from '../../domain/errors';
import type { DataKey } from '../keys/tenant-keys';
import { ByteQueue } from './byte-queue';
import { contentKey, keyCheckValue, sealChunk } from './chunk-cipher';
import { zstdCompress } from './compress';
import { checkChunkSize, DEFAULT_CHUNK_SIZE, encodeHeader, noncePrefixOf } from './format';

export interface ArtifactEncoding {
  chunkSize: number;
  /** zstd level; 3 is fast enough to keep up with a disk, higher levels are much slower. */
  compressionLevel: number;
  /** zstd worker threads; 0 compresses on the calling thread (a different, equally valid output). */
  compressionWorkers: number;
}

/** More zstd workers than this add memory (a window per worker) on large hosts for little speed: the upload is the bottleneck. */
export const MAX_DEFAULT_COMPRESSION_WORKERS = 8;

export function defaultEncoding(): ArtifactEncoding {
  return {
    chunkSize: DEFAULT_CHUNK_SIZE,
    compressionLevel: 3,
    compressionWorkers: Math.min(availableParallelism(), MAX_DEFAULT_COMPRESSION_WORKERS),
  };
}

export function checkEncoding(encoding: ArtifactEncoding): ArtifactEncoding {
  checkChunkSize(encoding.chunkSize);
  if (!Number.isInteger(encoding.compressionLevel) || encoding.compressionLevel < -7 || encoding.compressionLevel > 22) {
    throw new InvalidInputError(`zstd level ${encoding.compressionLevel} is outside -7..22`, {
      hint: 'use 3 (the default) or another level in range',
    });
  }
  if (!Number.isInteger(encoding.compressionWorkers) || encoding.compressionWorkers < 0 || encoding.compressionWorkers > 256) {
    throw new InvalidInputError(`${encoding.compressionWorkers} zstd workers is not a count between 0 and 256`, {
      hint: `use the number of cores up to ${MAX_DEFAULT_COMPRESSION_WORKERS} (the default), or 0 for single-threaded compression`,
    });
  }
  return encoding;
}

export interface SealingPlan {
  key: DataKey;
  artifactId: Buffer;
  chunkSize: number;
  compressionLevel: number;
}

const MAX_CHUNK_INDEX = 0xffff_ffff;

/**
 * zstd's output arrives in buffers of this size, whatever the chunk size: each is a fresh
 * allocation, and megabyte ones are fresh pages from the kernel every time, which on a VM
 * costs more than the copying they spare.
 */
const COMPRESSED_PIECE_SIZE = 64 * 1024;

/**
 * The stored bytes of an artifact around an already compressed stream: the header, then
 * chunks of exactly `chunkSize` bytes sealed one by one. A chunk is sealed only once more
 * bytes follow it, so that the last one can carry the final flag.
 */
export async function* sealStream(compressed: AsyncIterable<Buffer>, plan: SealingPlan): AsyncGenerator<Buffer> {
  const { bytes: header, digest } = encodeHeader({
    chunkSize: plan.chunkSize,
    compressionLevel: plan.compressionLevel,
    artifactId: plan.artifactId,
    keyCheck: keyCheckValue(plan.key.material),
    tenant: plan.key.tenant,
    dataKeyId: plan.key.id,
  });
  const key = contentKey(plan.key.material, plan.artifactId);
  const noncePrefix = noncePrefixOf(plan.artifactId);
  yield header;
  const pending = new ByteQueue();
  let index = 0;
  for await (const piece of compressed) {
    pending.push(piece);
    while (pending.bytes > plan.chunkSize) {
      if (index === MAX_CHUNK_INDEX) {
        throw new InvalidInputError(`the input needs more than ${MAX_CHUNK_INDEX} chunks of ${plan.chunkSize} bytes`, {
          hint: 'use a larger chunk size',
        });
      }
      yield* sealChunk(key, digest, { noncePrefix, index: index++, final: false }, pending.takePieces(plan.chunkSize));
    }
  }
  yield* sealChunk(key, digest, { noncePrefix, index, final: true }, pending.takePieces(pending.bytes));
}

/**
 * Compresses `input` with zstd and seals it: the bytes to store, produced as they are read.
 * `input` may reuse a buffer once the next one is requested.
 */
export function encodeArtifact(input: AsyncIterable<Buffer>, plan: SealingPlan & { compressionWorkers: number }): AsyncGenerator<Buffer> {
  const compressed = zstdCompress(input, { level: plan.compressionLevel, workers: plan.compressionWorkers }, COMPRESSED_PIECE_SIZE);
  return sealStream(compressed, plan);
}
