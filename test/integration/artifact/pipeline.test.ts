import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { S3Client } from '@aws-sdk/client-s3';
import { unpackArtifact, verifyArtifact } from '../../../adapters/artifact/download';
import { encodeArtifact } from '../../../adapters/artifact/encode';
import { ArtifactCorruptError, ArtifactForeignHeaderError } from '../../../adapters/artifact/errors';
import { quarantineArtifact } from '../../../adapters/artifact/quarantine';
import { readBackHead } from '../../../adapters/artifact/read-back';
import { type ArtifactUploadState, packArtifact, type PackArtifactRequest } from '../../../adapters/artifact/upload';
import { LocalKeyProvider } from '../../../adapters/keys/local-key-provider';
import { ObjectTenantKeyStore } from '../../../adapters/keys/object-tenant-key-store';
import { TenantKeys } from '../../../adapters/keys/tenant-keys';
import { ObjectNotFoundError, TerminalStorageError } from '../../../adapters/storage/errors';
import { createS3Client, S3ObjectStore } from '../../../adapters/storage/s3-store';
import { abortStaleUploads, MIN_PART_SIZE } from '../../../adapters/storage/stream-upload';
import { testStack } from '../../harness/env';

const CHUNK = 64 * 1024;

async function bytesOf(source: AsyncIterable<Buffer>): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for await (const piece of source) pieces.push(piece);
  return Buffer.concat(pieces);
}

function sink(): Writable & { bytes(): Buffer } {
  const pieces: Buffer[] = [];
  return Object.assign(new Writable({ write: (chunk: Buffer, _e, done) => (pieces.push(chunk), done()) }), {
    bytes: () => Buffer.concat(pieces),
  });
}

function sqlText(bytes: number): Buffer {
  const line = (i: number): string =>
    `INSERT INTO orders VALUES (${i},${i % 977},'2024-05-${10 + (i % 19)}',${((i * 7919) % 100000) / 100});\n`;
  const lines: string[] = [];
  for (let i = 0, n = 0; n < bytes; i++) n += (lines[lines.length] = line(i)).length;
  return Buffer.from(lines.join('')).subarray(0, bytes);
}

/** The request headers of every UploadPart the client sends from now on. */
function recordPartHeaders(client: ReturnType<typeof createS3Client>): Array<Record<string, string>> {
  const partHeaders: Array<Record<string, string>> = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'UploadPartCommand')
        partHeaders.push({ ...(args.request as { headers: Record<string, string> }).headers });
      return next(args);
    },
    { step: 'finalizeRequest', name: 'recordPartHeaders', priority: 'low' },
  );
  return partHeaders;
}

describe('artifact pipeline against real S3 (MinIO)', () => {
  const s3 = testStack().s3;
  const prefix = `it-artifact-${Date.now()}-${randomBytes(3).toString('hex')}/`;
  let client: S3Client;
  let store: S3ObjectStore;
  let keys: TenantKeys;
  let uploadPartCalls = 0;

  const request = (key: string, input: Buffer, extra: Partial<PackArtifactRequest> = {}): PackArtifactRequest => ({
    store,
    keys,
    key: prefix + key,
    tenant: 'acme',
    openInput: () => Readable.from([input]),
    encoding: { chunkSize: CHUNK },
    partSize: MIN_PART_SIZE,
    ...extra,
  });

  before(() => {
    client = createS3Client(s3);
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'UploadPartCommand') uploadPartCalls++;
        return next(args);
      },
      { step: 'initialize', name: 'countUploadParts' },
    );
    store = new S3ObjectStore(client, s3.bucket);
    keys = new TenantKeys(new ObjectTenantKeyStore(store, prefix), LocalKeyProvider.fromBase64(randomBytes(32).toString('base64'), 'test'));
  });

  after(async () => {
    for await (const object of store.list(prefix)) await store.delete(object.key);
    client.destroy();
  });

  for (const [name, input] of [
    ['empty', Buffer.alloc(0)],
    ['one byte', Buffer.from('x')],
    ['sql text across chunks', sqlText(700_000)],
    ['random data across chunks and parts', randomBytes(2 * MIN_PART_SIZE + 300_000)],
  ] as const) {
    it(`round-trips ${name} (${input.length} bytes) and verifies the stored SHA-256`, async () => {
      const packed = await packArtifact(request(`roundtrip/${input.length}.pitr`, input));
      const out = sink();
      const decoded = await unpackArtifact({
        store,
        key: packed.key,
        keys,
        destination: { stream: out },
        expected: { tenant: 'acme', sha256: packed.sha256 },
      });
      assert.deepEqual(out.bytes(), input);
      assert.equal(decoded.plaintextBytes, input.length);
      assert.equal(decoded.storedBytes, packed.storedBytes);
      assert.equal((await store.head(packed.key))?.size, packed.storedBytes);
      if (input.length > 2 * MIN_PART_SIZE) assert.equal(packed.parts, 3);
    });
  }

  it('reads the header back with ranged GETs and notices an object replaced by another artifact', async () => {
    const first = await packArtifact(request('readback.pitr', sqlText(200_000)));
    const header = await readBackHead(store, first.key, keys, {
      tenant: 'acme',
      artifactId: Buffer.from(first.artifactId, 'hex'),
      storedBytes: first.storedBytes,
    });
    assert.equal(header.header.dataKeyId, first.dataKeyId);
    await packArtifact(request('readback.pitr', sqlText(100_000)));
    await assert.rejects(readBackHead(store, first.key, keys, { artifactId: Buffer.from(first.artifactId, 'hex') }), (err: unknown) => {
      assert.ok(err instanceof ArtifactForeignHeaderError);
      assert.match(err.message, /another writer replaced it/);
      return true;
    });
  });

  it('quarantines a corrupted artifact under failed/ with the reason beside it', async () => {
    const packed = await packArtifact(request('quarantine/damaged.pitr', randomBytes(400_000)));
    const { body } = await store.getStream(packed.key);
    const damaged = await bytesOf(body);
    damaged[damaged.length - 1000] = (damaged[damaged.length - 1000] as number) ^ 0x40;
    await store.put(packed.key, damaged);
    const err = await verifyArtifact({ store, key: packed.key, keys }).catch((e: unknown) => e);
    assert.ok(err instanceof ArtifactCorruptError);
    const target = await quarantineArtifact(store, prefix, packed.key, err);
    assert.equal(target, `${prefix}failed/quarantine/damaged.pitr`);
    assert.equal(await store.head(packed.key), undefined);
    assert.equal((await store.head(target))?.size, damaged.length);
    const reason = JSON.parse((await bytesOf((await store.getStream(`${target}.reason.json`)).body)).toString());
    assert.equal(reason.error, 'ArtifactCorruptError');
    assert.equal(reason.check, 'chunk-authentication');
  });

  it('resumes an upload killed mid-way: recorded parts are not sent again and the object is byte-identical', async () => {
    const input = randomBytes(4 * MIN_PART_SIZE + 123_456);
    const controller = new AbortController();
    let state: ArtifactUploadState | undefined;
    const killed = packArtifact(
      request('resume/big.pitr', input, {
        signal: controller.signal,
        onProgress: (s) => {
          state = s;
          if (s.upload.parts.length === 2) controller.abort(new Error('worker killed'));
        },
      }),
    );
    await assert.rejects(killed, /worker killed/);
    assert.ok(state);
    assert.equal(await store.head(state.key), undefined, 'nothing is visible at the key before completion');

    uploadPartCalls = 0;
    const resumed = await packArtifact(request('resume/big.pitr', input, { resume: state }));
    assert.equal(resumed.parts, 5);
    assert.equal(resumed.partsReused, 2);
    assert.equal(uploadPartCalls, 3, 'only parts 3 to 5 were sent');
    const key = await keys.keyForReading('acme', state.dataKeyId);
    const expected = await bytesOf(
      encodeArtifact(Readable.from([input]), { key, artifactId: Buffer.from(state.artifactId, 'hex'), ...state.encoding }),
    );
    const stored = await bytesOf((await store.getStream(resumed.key)).body);
    assert.ok(stored.equals(expected), 'the resumed object is byte-identical to an uninterrupted encoding');
    const out = sink();
    await unpackArtifact({ store, key: resumed.key, keys, destination: { stream: out }, expected: { sha256: resumed.sha256 } });
    assert.ok(out.bytes().equals(input));
    assert.deepEqual(await store.listMultipartUploads(resumed.key), []);
  });

  it('starts over when the recorded upload was completed before the worker died', async () => {
    const input = randomBytes(3 * MIN_PART_SIZE + 4_321);
    // Heartbeats are throttled, so the progress a dead worker left can name fewer parts than it sent.
    let state: ArtifactUploadState | undefined;
    await packArtifact(request('resume/completed.pitr', input, { onProgress: (s) => void (state ??= s) }));
    assert.equal(state?.upload.parts.length, 1);
    const again = await packArtifact(request('resume/completed.pitr', input, { resume: state }));
    assert.match(again.resumeRejected ?? '', /no longer exists/);
    const out = sink();
    await unpackArtifact({ store, key: again.key, keys, destination: { stream: out }, expected: { sha256: again.sha256 } });
    assert.ok(out.bytes().equals(input));
    assert.deepEqual(await store.listMultipartUploads(again.key), []);
  });

  it('with checksums "when-required", sends parts whole and signed (no aws-chunked trailer) and round-trips several parts', async () => {
    const signed = createS3Client({ ...s3, checksums: 'when-required' });
    const partHeaders = recordPartHeaders(signed);
    try {
      const strict = new S3ObjectStore(signed, s3.bucket, { checksums: 'when-required' });
      const input = randomBytes(2 * MIN_PART_SIZE + 300_000);
      const packed = await packArtifact(request('checksums/when-required.pitr', input, { store: strict }));
      assert.equal(packed.parts, 3);
      assert.equal(partHeaders.length, 3);
      for (const headers of partHeaders) {
        assert.equal(headers['x-amz-trailer'], undefined);
        assert.equal(headers['content-encoding'], undefined);
        assert.match(headers['x-amz-content-sha256'] ?? '', /^[0-9a-f]{64}$/, 'the part payload is signed with its SHA-256');
      }
      const out = sink();
      await unpackArtifact({
        store: strict,
        key: packed.key,
        keys,
        destination: { stream: out },
        expected: { tenant: 'acme', sha256: packed.sha256 },
      });
      assert.ok(out.bytes().equals(input));
    } finally {
      signed.destroy();
    }
  });

  it('by default, sends each part unsigned with its CRC32 in a header the server checks (no aws-chunked trailer)', async () => {
    const recorded = createS3Client(s3);
    const partHeaders = recordPartHeaders(recorded);
    try {
      const input = randomBytes(2 * MIN_PART_SIZE + 300_000);
      const packed = await packArtifact(request('checksums/default.pitr', input, { store: new S3ObjectStore(recorded, s3.bucket) }));
      assert.equal(partHeaders.length, 3);
      for (const headers of partHeaders) {
        assert.match(headers['x-amz-checksum-crc32'] ?? '', /^[A-Za-z0-9+/]{6}==$/);
        assert.equal(headers['x-amz-content-sha256'], 'UNSIGNED-PAYLOAD');
        assert.equal(headers['x-amz-trailer'], undefined);
      }
      const out = sink();
      await unpackArtifact({ store, key: packed.key, keys, destination: { stream: out }, expected: { sha256: packed.sha256 } });
      assert.ok(out.bytes().equals(input));
    } finally {
      recorded.destroy();
    }
  });

  it('aborts abandoned multipart uploads of a key', async () => {
    const key = `${prefix}stale/x.pitr`;
    const first = await store.startMultipart(key);
    const second = await store.startMultipart(key);
    assert.deepEqual((await store.listMultipartUploads(key)).map((u) => u.uploadId).sort(), [first, second].sort());
    assert.deepEqual(await abortStaleUploads(store, key, second), [first]);
    assert.deepEqual(
      (await store.listMultipartUploads(key)).map((u) => u.uploadId),
      [second],
    );
    await packArtifact(request('stale/x.pitr', randomBytes(2 * MIN_PART_SIZE + 10)));
    assert.deepEqual(await store.listMultipartUploads(key), [], 'a fresh upload aborts what earlier attempts left behind');
  });

  it('writes key records with real conditional PUTs, so concurrent first uses agree on one key', async () => {
    const provider = LocalKeyProvider.fromBase64(randomBytes(32).toString('base64'), 'test');
    const workers = [1, 2, 3].map(() => new TenantKeys(new ObjectTenantKeyStore(store, prefix), provider));
    const created = await Promise.all(workers.map((w) => w.keyForWriting('concurrent')));
    assert.ok(created.every((k) => k.material.equals((created[0] as typeof k).material)));
    const key = `${prefix}conditional.txt`;
    assert.equal((await store.putIf(key, Buffer.from('1'), { ifAbsent: true })).written, true);
    assert.equal((await store.putIf(key, Buffer.from('2'), { ifAbsent: true })).written, false);
    assert.equal((await store.putIf(key, Buffer.from('3'), { ifMatch: '"0123"' })).written, false);
  });

  it('copies objects larger than the single-copy limit part by part', async () => {
    const partwise = new S3ObjectStore(client, s3.bucket, { maxSingleCopyBytes: MIN_PART_SIZE, copyPartBytes: MIN_PART_SIZE });
    const content = randomBytes(2 * MIN_PART_SIZE + 77);
    await partwise.put(`${prefix}copy/source`, content);
    await partwise.copy(`${prefix}copy/source`, `${prefix}copy/target`);
    assert.ok((await bytesOf((await partwise.getStream(`${prefix}copy/target`)).body)).equals(content));
  });

  it('classifies what the server says: a missing object, a missing bucket', async () => {
    await assert.rejects(store.getStream(`${prefix}missing`), ObjectNotFoundError);
    await assert.rejects(new S3ObjectStore(client, `missing-${randomBytes(4).toString('hex')}`).getStream('x'), (err: unknown) => {
      assert.ok(err instanceof TerminalStorageError);
      assert.match(err.message, /bucket missing-[0-9a-f]+ does not exist/);
      return true;
    });
  });
});
