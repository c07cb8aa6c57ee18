import { createHash } from 'node:crypto';
import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { DecompressStream } from 'zstd-napi';
import { compressionOf, type Compression } from '../../domain/legacy/object-kind';
import type { ObjectStore } from '../../adapters/storage/object-store';

/**
 * The first `bytes` of a stream (fewer if it is shorter), the whole stream again from its
 * start, and `close` to give the stream up unread (which ends the source's download).
 */
export async function peekBytes(
  source: AsyncIterable<Buffer>,
  bytes: number,
): Promise<{ head: Buffer; all: AsyncIterable<Buffer>; close: () => Promise<void> }> {
  const iterator = source[Symbol.asyncIterator]();
  const seen: Buffer[] = [];
  let length = 0;
  let ended = false;
  while (length < bytes) {
    const next = await iterator.next();
    if (next.done) {
      ended = true;
      break;
    }
    seen.push(next.value);
    length += next.value.length;
  }
  const close = async (): Promise<void> => {
    await iterator.return?.();
  };
  async function* all(): AsyncGenerator<Buffer> {
    try {
      yield* seen;
      if (ended) return;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
    } finally {
      await close();
    }
  }
  return { head: Buffer.concat(seen).subarray(0, bytes), all: all(), close };
}

export interface LegacyObjectRead {
  compression: Compression;
  /** The object's content, decompressed, as it arrives. */
  content: AsyncIterable<Buffer>;
  /** Gives the object up unread. */
  close(): Promise<void>;
  /** SHA-256 and size of the stored bytes, once `content` has been read to its end. */
  stored(): { sha256: string; bytes: number };
}

/**
 * Streams an object once: the stored bytes are hashed as they arrive and decompressed by
 * what their first bytes say (gzip, zstd, or none), whatever the object is named.
 */
export async function readLegacyObject(store: ObjectStore, key: string): Promise<LegacyObjectRead> {
  const { body } = await store.getStream(key);
  const hash = createHash('sha256');
  let bytes = 0;
  async function* hashed(): AsyncGenerator<Buffer> {
    for await (const chunk of body) {
      hash.update(chunk);
      bytes += chunk.length;
      yield chunk;
    }
  }
  const { head, all, close } = await peekBytes(hashed(), 4);
  const compression = compressionOf(head);
  const raw = Readable.from(all, { objectMode: false });
  // pipeline() hands a failure of either stream to the decompressor, which the caller reads.
  const content: AsyncIterable<Buffer> =
    compression === 'none' ? raw : pipeline(raw, compression === 'gzip' ? createGunzip() : new DecompressStream(), () => undefined);
  let sha256: string | undefined;
  return { compression, content, close, stored: () => ({ sha256: (sha256 ??= hash.digest('hex')), bytes }) };
}
