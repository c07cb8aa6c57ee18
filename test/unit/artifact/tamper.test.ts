import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { decodeArtifact } from '../../../adapters/artifact/decode';
import { encodeArtifact } from '../../../adapters/artifact/encode';
import {
  ArtifactCorruptError,
  ArtifactForeignHeaderError,
  ArtifactIntegrityError,
  ArtifactMisplacedChunkError,
  ArtifactTruncatedError,
  UnsupportedArtifactVersionError,
} from '../../../adapters/artifact/errors';
import { decodeFrameHeader, FRAME_HEADER_BYTES, TAG_BYTES } from '../../../adapters/artifact/format';
import { TenantKeyErasedError, WrongKeyError } from '../../../adapters/keys/errors';
import type { TenantKeys } from '../../../adapters/keys/tenant-keys';
import type { LocalKeyProvider } from '../../../adapters/keys/local-key-provider';
import { collect, memoryKeys, piecesOf, readableOf } from './fixtures';
import type { MemoryObjectStore } from './memory-object-store';

const CHUNK = 1024;
const LABEL = 's3://bucket/tenant/a.pitr';

/** Where the header ends and each chunk starts, read from the frames themselves. */
function layout(stored: Buffer): { headerBytes: number; chunkOffsets: number[] } {
  const headerBytes = stored.readUInt16BE(10);
  const chunkOffsets: number[] = [];
  for (let at = headerBytes; at < stored.length; ) {
    chunkOffsets.push(at);
    at += FRAME_HEADER_BYTES + decodeFrameHeader(stored.subarray(at, at + FRAME_HEADER_BYTES)).length + TAG_BYTES;
  }
  return { headerBytes, chunkOffsets };
}

function flip(stored: Buffer, offset: number): Buffer {
  const copy = Buffer.from(stored);
  copy[offset] = (copy[offset] as number) ^ 0x01;
  return copy;
}

describe('tampered artifacts are refused with a specific error', () => {
  let keys: TenantKeys;
  let store: MemoryObjectStore;
  let provider: LocalKeyProvider;
  let stored: Buffer;
  let other: Buffer;
  let offsets: number[];
  let headerBytes: number;

  const decode = (bytes: Buffer, expected = {}) =>
    decodeArtifact(piecesOf(bytes, 777), { discard: true }, { keys, artifact: LABEL, expected });

  async function failure<T extends Error>(bytes: Buffer, type: abstract new (...args: never[]) => T, expected = {}): Promise<T> {
    const err = await decode(bytes, expected).then(
      () => assert.fail('decoding should have failed'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof type, `expected ${type.name}, got ${String(err)}`);
    return err;
  }

  before(async () => {
    ({ keys, store, provider } = memoryKeys());
    const key = await keys.keyForWriting('acme');
    const encode = (input: Buffer) =>
      collect(
        encodeArtifact(readableOf(input), {
          key,
          artifactId: randomBytes(16),
          chunkSize: CHUNK,
          compressionLevel: 3,
          compressionWorkers: 0,
        }),
      );
    stored = await encode(randomBytes(5 * CHUNK));
    other = await encode(randomBytes(5 * CHUNK));
    ({ headerBytes, chunkOffsets: offsets } = layout(stored));
    assert.equal(offsets.length, 6, 'fixture: five full chunks and a short final one');
    await decode(stored);
  });

  it('a flipped bit in the header: ArtifactCorruptError on the header digest', async () => {
    const err = await failure(flip(stored, 30), ArtifactCorruptError);
    assert.equal(err.failure.check, 'header');
    assert.match(err.message, /^s3:\/\/bucket\/tenant\/a\.pitr: the header does not match its SHA-256 digest/);
  });

  it('a flipped bit in the magic, or another format: ArtifactForeignHeaderError', async () => {
    const err = await failure(flip(stored, 2), ArtifactForeignHeaderError);
    assert.equal(err.failure.check, 'magic');
    const zstdFrame = Buffer.from('28b52ffd2058610000', 'hex');
    const foreign = await failure(zstdFrame, ArtifactForeignHeaderError);
    assert.match(foreign.message, /not a pitr artifact: it starts with 28b52ffd/);
  });

  it('a newer format version: UnsupportedArtifactVersionError', async () => {
    const newer = Buffer.from(stored);
    newer.writeUInt16BE(2, 8);
    const err = await failure(newer, UnsupportedArtifactVersionError);
    assert.match(err.message, /format version 2 is not supported/);
  });

  it('a flipped bit in a middle chunk: ArtifactCorruptError naming that chunk and its offset', async () => {
    const start = offsets[2] as number;
    const err = await failure(flip(stored, start + FRAME_HEADER_BYTES + 100), ArtifactCorruptError);
    assert.deepEqual(err.failure, { artifact: LABEL, check: 'chunk-authentication', chunkIndex: 2, offset: start });
    assert.match(err.message, new RegExp(`chunk 2 at byte ${start}`));
  });

  it('a flipped bit in the last chunk (or its tag): ArtifactCorruptError on the last chunk', async () => {
    const err = await failure(flip(stored, stored.length - 1), ArtifactCorruptError);
    assert.equal(err.failure.check, 'chunk-authentication');
    assert.equal(err.failure.chunkIndex, 5);
  });

  it('a flipped final flag: ArtifactCorruptError, not a truncation', async () => {
    const err = await failure(flip(stored, (offsets[5] as number) + 12), ArtifactCorruptError);
    assert.equal(err.failure.chunkIndex, 5);
  });

  it('cut inside a chunk: ArtifactTruncatedError naming the chunk', async () => {
    const err = await failure(stored.subarray(0, (offsets[3] as number) + 500), ArtifactTruncatedError);
    assert.equal(err.failure.chunkIndex, 3);
    assert.match(err.message, /ends \d+ bytes before the end of this chunk/);
  });

  it('cut inside the header: ArtifactTruncatedError', async () => {
    const err = await failure(stored.subarray(0, headerBytes - 3), ArtifactTruncatedError);
    assert.equal(err.failure.check, 'header');
  });

  it('the final chunk dropped: ArtifactTruncatedError on the missing final chunk', async () => {
    const err = await failure(stored.subarray(0, offsets[5]), ArtifactTruncatedError);
    assert.equal(err.failure.check, 'final-chunk');
    assert.match(err.message, /ends after chunk 4, which is not marked final/);
  });

  it('a chunk swapped in from another artifact under the same key: ArtifactMisplacedChunkError', async () => {
    const [a, b] = [offsets[1] as number, offsets[2] as number];
    const otherOffsets = layout(other).chunkOffsets;
    const spliced = Buffer.concat([stored.subarray(0, a), other.subarray(otherOffsets[1], otherOffsets[2]), stored.subarray(b)]);
    const err = await failure(spliced, ArtifactMisplacedChunkError);
    assert.equal(err.failure.check, 'chunk-origin');
    assert.match(err.message, /belongs to another artifact/);
  });

  it('a header field changed and its digest recomputed: the first chunk no longer authenticates', async () => {
    const forged = Buffer.from(stored);
    forged.writeInt8(forged.readInt8(14) + 1, 14); // the zstd level, a field no other check reads
    createHash('sha256')
      .update(forged.subarray(0, headerBytes - 32))
      .digest()
      .copy(forged, headerBytes - 32);
    const err = await failure(forged, ArtifactCorruptError);
    assert.equal(err.failure.check, 'chunk-authentication');
    assert.equal(err.failure.chunkIndex, 0);
  });

  it('a chunk from another artifact with its nonce prefix rewritten to this one: ArtifactCorruptError on authentication', async () => {
    const [a, b] = [offsets[1] as number, offsets[2] as number];
    const otherOffsets = layout(other).chunkOffsets;
    const foreign = Buffer.from(other.subarray(otherOffsets[1], otherOffsets[2]));
    stored.copy(foreign, 0, a, a + 8);
    const err = await failure(Buffer.concat([stored.subarray(0, a), foreign, stored.subarray(b)]), ArtifactCorruptError);
    assert.equal(err.failure.check, 'chunk-authentication');
    assert.equal(err.failure.chunkIndex, 1);
  });

  it('two chunks reordered: ArtifactMisplacedChunkError on the order', async () => {
    const [a, b, c] = [offsets[1] as number, offsets[2] as number, offsets[3] as number];
    const reordered = Buffer.concat([stored.subarray(0, a), stored.subarray(b, c), stored.subarray(a, b), stored.subarray(c)]);
    const err = await failure(reordered, ArtifactMisplacedChunkError);
    assert.equal(err.failure.check, 'chunk-order');
    assert.match(err.message, /position 1 carries index 2/);
  });

  it('bytes appended after the final chunk: ArtifactCorruptError', async () => {
    const err = await failure(Buffer.concat([stored, Buffer.from('x')]), ArtifactCorruptError);
    assert.equal(err.failure.check, 'trailing-bytes');
  });

  it('another tenant expected, or another stored SHA-256: refused', async () => {
    const foreign = await failure(stored, ArtifactForeignHeaderError, { tenant: 'globex' });
    assert.match(foreign.message, /belongs to tenant acme, not globex/);
    const digest = await failure(stored, ArtifactCorruptError, { sha256: '0'.repeat(64) });
    assert.equal(digest.failure.check, 'stored-sha256');
  });

  it('a different key under the same tenant and key id: WrongKeyError', async () => {
    const recordKey = 'v1/keys/acme.json';
    const original = store.objects.get(recordKey)?.bytes as Buffer;
    const record = JSON.parse(original.toString());
    try {
      const wrappedKey = await provider.wrap(randomBytes(32), { tenant: 'acme', dataKeyId: record.dataKeyId });
      await store.put(recordKey, Buffer.from(JSON.stringify({ ...record, wrappedKey })));
      await assert.rejects(decode(stored), (err: unknown) => err instanceof WrongKeyError && /key check value differs/.test(err.message));
      const replacement = await provider.wrap(randomBytes(32), { tenant: 'acme', dataKeyId: 'dk-new' });
      await store.put(recordKey, Buffer.from(JSON.stringify({ ...record, dataKeyId: 'dk-new', wrappedKey: replacement })));
      await assert.rejects(decode(stored), (err: unknown) => err instanceof WrongKeyError && /holds data key dk-new/.test(err.message));
    } finally {
      await store.put(recordKey, original);
    }
    await decode(stored);
  });

  it('after the tenant key is erased: TenantKeyErasedError, for good', async () => {
    const { keys: ownKeys } = memoryKeys();
    const key = await ownKeys.keyForWriting('initech');
    const own = await collect(
      encodeArtifact(readableOf(randomBytes(3000)), {
        key,
        artifactId: randomBytes(16),
        chunkSize: CHUNK,
        compressionLevel: 3,
        compressionWorkers: 0,
      }),
    );
    await ownKeys.erase('initech');
    await assert.rejects(decodeArtifact(piecesOf(own, 500), { discard: true }, { keys: ownKeys, artifact: LABEL }), (err: unknown) => {
      assert.ok(err instanceof TenantKeyErasedError);
      assert.match(
        err.message,
        /tenant initech was erased at .*: its data key is destroyed, so its backups and binlogs can no longer be decrypted/,
      );
      return true;
    });
    await assert.rejects(ownKeys.keyForWriting('initech'), TenantKeyErasedError);
  });

  it('every integrity error is terminal, so no retry policy repeats it', async () => {
    const err = await failure(flip(stored, 30), ArtifactIntegrityError);
    assert.equal(err.terminal, true);
  });
});
