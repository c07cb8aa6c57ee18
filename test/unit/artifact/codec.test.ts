import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { decodeArtifact } from '../../../adapters/artifact/decode';
import { encodeArtifact, sealStream } from '../../../adapters/artifact/encode';
import type { ArtifactCorruptError } from '../../../adapters/artifact/errors';
import { decodeHeader, encodeHeader, FRAME_HEADER_BYTES, TAG_BYTES } from '../../../adapters/artifact/format';
import { readFileInPieces } from '../../../adapters/artifact/input';
import { ArtifactReader } from '../../../adapters/artifact/reader';
import { collect, memoryKeys, piecesOf, readableOf, sqlLikeText } from './fixtures';

const CHUNK = 1024;

class Sink extends Writable {
  readonly pieces: Buffer[] = [];
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.pieces.push(chunk);
    done();
  }
  bytes(): Buffer {
    return Buffer.concat(this.pieces);
  }
}

describe('artifact chunking (sealStream + ArtifactReader)', () => {
  for (const size of [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 5 * CHUNK + 7]) {
    it(`round-trips a ${size}-byte payload in ${Math.max(1, Math.ceil(size / CHUNK))} chunk(s) from odd-sized input pieces`, async () => {
      const { keys } = memoryKeys();
      const key = await keys.keyForWriting('acme');
      const payload = randomBytes(size);
      const stored = await collect(
        sealStream(piecesOf(payload, 333), { key, artifactId: randomBytes(16), chunkSize: CHUNK, compressionLevel: 3 }),
      );
      const reader = new ArtifactReader(piecesOf(stored, 100), 'test');
      const encoded = await reader.open(keys, { tenant: 'acme' });
      const chunks: Buffer[] = [];
      for (let c = await reader.nextChunk(); c; c = await reader.nextChunk()) chunks.push(c);
      assert.deepEqual(Buffer.concat(chunks), payload);
      assert.equal(chunks.length, Math.max(1, Math.ceil(size / CHUNK)));
      assert.ok(
        chunks.slice(0, -1).every((c) => c.length === CHUNK),
        'every chunk but the last is full',
      );
      assert.equal(stored.length, encoded.bytes.length + chunks.length * (FRAME_HEADER_BYTES + TAG_BYTES) + size);
      assert.equal(reader.storedBytes, stored.length);
    });
  }
});

describe('artifact encoding (zstd + sealing) and decoding', () => {
  const sizes = [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 12 * CHUNK + 5];
  for (const size of sizes) {
    it(`restores ${size} incompressible bytes exactly and reports sizes and the stored SHA-256`, async () => {
      const { keys } = memoryKeys();
      const key = await keys.keyForWriting('acme');
      const input = randomBytes(size);
      const stored = await collect(
        encodeArtifact(readableOf(input, 700), {
          key,
          artifactId: randomBytes(16),
          chunkSize: CHUNK,
          compressionLevel: 3,
          compressionWorkers: 0,
        }),
      );
      const sink = new Sink();
      const decoded = await decodeArtifact(piecesOf(stored, 4096), { stream: sink }, { keys, artifact: 'test' });
      assert.deepEqual(sink.bytes(), input);
      assert.equal(decoded.plaintextBytes, size);
      assert.equal(decoded.storedBytes, stored.length);
      assert.equal(decoded.tenant, 'acme');
      assert.equal(decoded.sha256.length, 64);
    });
  }

  it('compresses text with zstd (multithreaded) and restores it; equal inputs give identical artifacts under one key and id', async () => {
    const { keys } = memoryKeys();
    const key = await keys.keyForWriting('acme');
    const input = sqlLikeText(3 * 1024 * 1024);
    const plan = { key, artifactId: randomBytes(16), chunkSize: 64 * 1024, compressionLevel: 3, compressionWorkers: 2 };
    const first = await collect(encodeArtifact(readableOf(input, 1 << 20), plan));
    const second = await collect(encodeArtifact(readableOf(input, 12_345), plan));
    assert.ok(first.length * 3 < input.length, `zstd should shrink SQL text at least 3x (got ${input.length} -> ${first.length})`);
    assert.deepEqual(second, first, 'the encoding is deterministic, which resumable uploads rely on');
    const sink = new Sink();
    await decodeArtifact(piecesOf(first, 1 << 20), { stream: sink }, { keys, artifact: 'test' });
    assert.deepEqual(sink.bytes(), input);
  });

  it('writes a file itself, or only counts the bytes, with the same verification as a stream destination', async () => {
    const { keys } = memoryKeys();
    const key = await keys.keyForWriting('acme');
    const input = sqlLikeText(2 * 1024 * 1024 + 17);
    const stored = await collect(
      encodeArtifact(readableOf(input, 1 << 16), {
        key,
        artifactId: randomBytes(16),
        chunkSize: 64 * 1024,
        compressionLevel: 3,
        compressionWorkers: 0,
      }),
    );
    const dir = mkdtempSync(join(tmpdir(), 'pitr-codec-'));
    try {
      const file = join(dir, 'out.sql');
      writeFileSync(file, 'a longer file from before that the restore must replace, not patch '.repeat(100_000));
      const written = await decodeArtifact(piecesOf(stored, 5000), { file }, { keys, artifact: 'test' });
      assert.deepEqual(readFileSync(file), input, 'the file holds exactly the original bytes');
      const counted = await decodeArtifact(piecesOf(stored, 5000), { discard: true }, { keys, artifact: 'test' });
      assert.deepEqual([written.plaintextBytes, counted.plaintextBytes], [input.length, input.length]);
      assert.equal(counted.sha256, written.sha256);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a file that cannot be written fails with the system error and the path, not as corruption', async () => {
    const { keys } = memoryKeys();
    const key = await keys.keyForWriting('acme');
    const stored = await collect(
      encodeArtifact(readableOf(randomBytes(300_000), 4096), {
        key,
        artifactId: randomBytes(16),
        chunkSize: CHUNK * 64,
        compressionLevel: 3,
        compressionWorkers: 0,
      }),
    );
    await assert.rejects(
      decodeArtifact(piecesOf(stored, 5000), { file: '/dev/full' }, { keys, artifact: 'test' }),
      (err: NodeJS.ErrnoException) => {
        assert.equal(err.code, 'ENOSPC');
        assert.match(err.message, /^writing \/dev\/full: ENOSPC/);
        return true;
      },
    );
  });

  it('reports an authenticated payload that is not a whole zstd stream as compressed-stream corruption', async () => {
    const { keys } = memoryKeys();
    const key = await keys.keyForWriting('acme');
    const plan = { key, artifactId: randomBytes(16), chunkSize: CHUNK, compressionLevel: 3 };
    const zstdStream = await collect(
      sealStream(piecesOf(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), 4), { ...plan, artifactId: randomBytes(16) }),
    );
    for (const stored of [await collect(sealStream(piecesOf(randomBytes(3 * CHUNK), 500), plan)), zstdStream]) {
      await assert.rejects(decodeArtifact(piecesOf(stored, 700), { stream: new Sink() }, { keys, artifact: 'test' }), (err: Error) => {
        assert.equal(err.name, 'ArtifactCorruptError');
        assert.equal((err as ArtifactCorruptError).failure.check, 'compressed-stream');
        return true;
      });
    }
  });

  it('holds decompression back for a slow destination, which still gets every byte in order', async () => {
    const { keys } = memoryKeys();
    const key = await keys.keyForWriting('acme');
    const input = sqlLikeText(6 * 1024 * 1024);
    const plan = { key, artifactId: randomBytes(16), chunkSize: 64 * 1024, compressionLevel: 3, compressionWorkers: 0 };
    const stored = await collect(encodeArtifact(readableOf(input, 1 << 20), plan));
    const pieces: Buffer[] = [];
    const slow = new Writable({
      highWaterMark: 1,
      write(chunk: Buffer, _encoding, done) {
        pieces.push(chunk);
        setTimeout(done, 1);
      },
    });
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning);
    process.on('warning', onWarning);
    try {
      await decodeArtifact(piecesOf(stored, 1 << 20), { stream: slow }, { keys, artifact: 'test' });
    } finally {
      process.off('warning', onWarning);
    }
    assert.ok(Buffer.concat(pieces).equals(input));
    assert.deepEqual(
      warnings.map((w) => w.name),
      [],
    );
  });

  it('fails the whole encoding when the input fails', async () => {
    const { keys } = memoryKeys();
    const key = await keys.keyForWriting('acme');
    async function* failing(): AsyncGenerator<Buffer> {
      yield randomBytes(100_000);
      throw new Error('disk read failed');
    }
    const stored = encodeArtifact(failing(), {
      key,
      artifactId: randomBytes(16),
      chunkSize: CHUNK,
      compressionLevel: 3,
      compressionWorkers: 0,
    });
    await assert.rejects(collect(stored), /disk read failed/);
  });

  it('encodes a file read through two reused buffers exactly', async () => {
    const { keys } = memoryKeys();
    const key = await keys.keyForWriting('acme');
    const input = Buffer.concat([sqlLikeText(20_000), randomBytes(10_001)]);
    const dir = mkdtempSync(join(tmpdir(), 'pitr-codec-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'input.sql');
    writeFileSync(file, input);
    const pieces = [];
    for await (const piece of readFileInPieces(file, 4096)) pieces.push(Buffer.from(piece));
    assert.deepEqual(
      pieces.map((p) => p.length),
      [...Array(7).fill(4096), input.length - 7 * 4096],
    );
    const stored = await collect(
      encodeArtifact(readFileInPieces(file, 4096), {
        key,
        artifactId: randomBytes(16),
        chunkSize: CHUNK,
        compressionLevel: 3,
        compressionWorkers: 2,
      }),
    );
    const sink = new Sink();
    await decodeArtifact(piecesOf(stored, 999), { stream: sink }, { keys, artifact: 'test' });
    assert.deepEqual(sink.bytes(), input);
  });
});

describe('artifact header', () => {
  it('encodes and decodes every field', () => {
    const header = {
      chunkSize: 4096,
      compressionLevel: -3,
      artifactId: randomBytes(16),
      keyCheck: randomBytes(16),
      tenant: 'tenant-ü',
      dataKeyId: 'dk-1',
    };
    const encoded = encodeHeader(header);
    const decoded = decodeHeader(encoded.bytes, 'test');
    assert.deepEqual(decoded.header, header);
    assert.deepEqual(decoded.digest, encoded.digest);
  });
});
