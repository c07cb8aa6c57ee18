import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { InvalidInputError } from '../../../domain/errors';
import { verifyArtifact } from '../../../adapters/artifact/download';
import { encodeArtifact } from '../../../adapters/artifact/encode';
import { ArtifactCorruptError } from '../../../adapters/artifact/errors';
import { quarantineArtifact } from '../../../adapters/artifact/quarantine';
import { readBackHead } from '../../../adapters/artifact/read-back';
import { type ArtifactUploadState, packArtifact, type PackArtifactRequest } from '../../../adapters/artifact/upload';
import { MIN_PART_SIZE } from '../../../adapters/storage/stream-upload';
import { collect, memoryKeys, readableOf } from './fixtures';

const KEY = 'v1/tenants/acme/dump.pitr';
const CHUNK = 64 * 1024;

function request(
  store: PackArtifactRequest['store'],
  keys: PackArtifactRequest['keys'],
  input: Buffer,
  extra: Partial<PackArtifactRequest> = {},
): PackArtifactRequest {
  return {
    store,
    keys,
    key: KEY,
    tenant: 'acme',
    openInput: () => readableOf(input, 256 * 1024),
    encoding: { chunkSize: CHUNK, compressionWorkers: 1 },
    partSize: MIN_PART_SIZE,
    ...extra,
  };
}

class Interrupted extends Error {}

describe('packing an artifact into object storage', () => {
  it('stores a small input with a single PUT and reads its head back', async () => {
    const { store, keys } = memoryKeys();
    const input = Buffer.from('a small binlog');
    const packed = await packArtifact(request(store, keys, input));
    assert.equal(packed.parts, 1);
    assert.equal(packed.plaintextBytes, input.length);
    assert.ok(!store.calls.some((c) => c.startsWith('start')), 'no multipart upload for one part');
    assert.ok(
      store.calls.some((c) => c.startsWith('getRange')),
      'the head was read back',
    );
    const verified = await verifyArtifact({ store, key: KEY, keys, expected: { tenant: 'acme', sha256: packed.sha256 } });
    assert.equal(verified.storedBytes, packed.storedBytes);
  });

  it('uploads a large input in parts, a bounded number at a time, and reports contiguous progress', async () => {
    const { store, keys } = memoryKeys();
    store.partDelayMs = 20;
    const input = randomBytes(4 * MIN_PART_SIZE + 1000);
    const progress: ArtifactUploadState[] = [];
    const packed = await packArtifact(request(store, keys, input, { partsInFlight: 2, onProgress: (s) => void progress.push(s) }));
    assert.equal(packed.parts, 5);
    assert.equal(store.maxPartsInFlight, 2);
    assert.deepEqual(
      progress.map((s) => s.upload.parts.map((p) => p.partNumber)),
      [[1], [1, 2], [1, 2, 3], [1, 2, 3, 4], [1, 2, 3, 4, 5]],
    );
    assert.equal(progress.at(-1)?.upload.bytes, packed.storedBytes);
    assert.doesNotMatch(JSON.stringify(progress), /material/, 'no key material in the progress state');
    await verifyArtifact({ store, key: KEY, keys, expected: { sha256: packed.sha256 } });
  });

  it('resumes an interrupted upload without sending recorded parts again, producing the same bytes', async () => {
    const { store, keys } = memoryKeys();
    const input = randomBytes(4 * MIN_PART_SIZE + 1000);
    let state: ArtifactUploadState | undefined;
    await assert.rejects(
      packArtifact(
        request(store, keys, input, {
          onProgress: (s) => {
            state = s;
            if (s.upload.parts.length === 2) throw new Interrupted('worker crashed');
          },
        }),
      ),
      Interrupted,
    );
    assert.ok(state);
    assert.equal(store.uploads.size, 1, 'the multipart upload is left open for the resume');
    store.calls.length = 0;
    // Asked for other workers now, the resume keeps those the recorded parts were compressed with.
    const packed = await packArtifact(
      request(store, keys, input, { resume: state, encoding: { chunkSize: CHUNK, compressionWorkers: 3 } }),
    );
    assert.equal(packed.compressionWorkers, 1, 'the workers that compressed it are reported');
    assert.equal(packed.partsReused, 2);
    assert.equal(packed.resumeRejected, undefined);
    const sentParts = store.calls.filter((c) => c.startsWith('part ')).map((c) => Number(c.slice(5)));
    assert.deepEqual(sentParts, [3, 4, 5]);
    const key = await keys.keyForReading('acme', state.dataKeyId);
    const expected = await collect(
      encodeArtifact(readableOf(input), { key, artifactId: Buffer.from(state.artifactId, 'hex'), ...state.encoding }),
    );
    assert.deepEqual(store.objects.get(KEY)?.bytes, expected);
  });

  it('completes from the recorded state alone when every part was acknowledged before the crash', async () => {
    const { store, keys } = memoryKeys();
    const input = randomBytes(2 * MIN_PART_SIZE + 10);
    let state: ArtifactUploadState | undefined;
    await assert.rejects(
      packArtifact(
        request(store, keys, input, {
          onProgress: (s) => ((state = s), s.upload.parts.length === 3 ? Promise.reject(new Interrupted()) : undefined),
        }),
      ),
      Interrupted,
    );
    const packed = await packArtifact(request(store, keys, input, { resume: state }));
    assert.deepEqual([packed.parts, packed.partsReused, packed.partsUploaded], [3, 3, 0]);
    await verifyArtifact({ store, key: KEY, keys, expected: { sha256: packed.sha256 } });
  });

  it('refuses part sizes S3 would reject or memory could not hold', async () => {
    const { store, keys } = memoryKeys();
    await assert.rejects(packArtifact(request(store, keys, Buffer.from('x'), { partSize: MIN_PART_SIZE - 1 })), /part size \d+ is outside/);
    await assert.rejects(packArtifact(request(store, keys, Buffer.from('x'), { partSize: 1024 ** 3 })), /part size \d+ is outside/);
    await assert.rejects(packArtifact(request(store, keys, Buffer.from('x'), { partsInFlight: 0 })), /0 parts in flight/);
  });

  it('starts over, aborting the old upload, when the input changed since the recorded parts', async () => {
    const { store, keys } = memoryKeys();
    const input = randomBytes(3 * MIN_PART_SIZE + 10);
    let state: ArtifactUploadState | undefined;
    const stop = (s: ArtifactUploadState): void => {
      state = s;
      throw new Interrupted();
    };
    await assert.rejects(packArtifact(request(store, keys, input, { onProgress: stop })), Interrupted);
    const changed = Buffer.from(input);
    changed[100] = (changed[100] as number) ^ 1;
    const packed = await packArtifact(request(store, keys, changed, { resume: state }));
    assert.match(packed.resumeRejected ?? '', /did not reproduce the 1 parts already uploaded/);
    assert.notEqual(packed.artifactId, state?.artifactId, 'a fresh artifact id, so no nonce is reused');
    assert.equal(store.uploads.size, 0, 'the abandoned upload was aborted');
    await verifyArtifact({ store, key: KEY, keys, expected: { sha256: packed.sha256 } });
  });

  it('starts over when the recorded multipart upload no longer exists', async () => {
    const { store, keys } = memoryKeys();
    const input = randomBytes(3 * MIN_PART_SIZE + 10);
    let state: ArtifactUploadState | undefined;
    await assert.rejects(
      packArtifact(request(store, keys, input, { onProgress: (s) => ((state = s), Promise.reject(new Interrupted())) })),
      Interrupted,
    );
    store.uploads.clear();
    const packed = await packArtifact(request(store, keys, input, { resume: state }));
    assert.match(packed.resumeRejected ?? '', /no longer exists/);
    await verifyArtifact({ store, key: KEY, keys });
  });

  it('aborts abandoned multipart uploads of the same key before starting a new one', async () => {
    const { store, keys } = memoryKeys();
    const abandoned = await store.startMultipart(KEY);
    const other = await store.startMultipart(`${KEY}.other`);
    await packArtifact(request(store, keys, randomBytes(2 * MIN_PART_SIZE + 10)));
    assert.ok(!store.uploads.has(abandoned));
    assert.ok(store.uploads.has(other), 'uploads of other keys are left alone');
  });

  it('refuses a resume state recorded for another upload', async () => {
    const { store, keys } = memoryKeys();
    let state: ArtifactUploadState | undefined;
    await assert.rejects(
      packArtifact(
        request(store, keys, randomBytes(2 * MIN_PART_SIZE + 10), { onProgress: (s) => ((state = s), Promise.reject(new Interrupted())) }),
      ),
      Interrupted,
    );
    await assert.rejects(packArtifact(request(store, keys, Buffer.from('x'), { key: 'v1/other.pitr', resume: state })), (err: unknown) => {
      assert.ok(err instanceof InvalidInputError);
      assert.match(err.message, /belongs to tenant acme at v1\/tenants\/acme\/dump\.pitr/);
      return true;
    });
    await assert.rejects(
      packArtifact(request(store, keys, Buffer.from('x'), { resume: { ...(state as ArtifactUploadState), artifactId: 'zz' } })),
      InvalidInputError,
    );
  });
});

describe('read-back and quarantine', () => {
  it('detects a damaged first chunk from the head alone and quarantines the object with its reason', async () => {
    const { store, keys } = memoryKeys();
    await packArtifact(request(store, keys, randomBytes(300_000)));
    const object = store.objects.get(KEY);
    assert.ok(object);
    object.bytes[200] = (object.bytes[200] as number) ^ 0x10;
    const err = await readBackHead(store, KEY, keys).catch((e: unknown) => e);
    assert.ok(err instanceof ArtifactCorruptError);
    assert.equal(err.failure.chunkIndex, 0);

    const target = await quarantineArtifact(store, 'v1/', KEY, err);
    assert.equal(target, 'v1/failed/tenants/acme/dump.pitr');
    assert.equal(store.objects.has(KEY), false);
    assert.ok(store.objects.has(target));
    const reason = JSON.parse(store.objects.get(`${target}.reason.json`)?.bytes.toString() ?? '{}');
    assert.equal(reason.key, KEY);
    assert.equal(reason.error, 'ArtifactCorruptError');
    assert.equal(reason.check, 'chunk-authentication');
    assert.equal(reason.chunkIndex, 0);
  });

  it('notices when the stored size is not what was uploaded', async () => {
    const { store, keys } = memoryKeys();
    const packed = await packArtifact(request(store, keys, Buffer.from('data')));
    await assert.rejects(
      readBackHead(store, KEY, keys, { storedBytes: packed.storedBytes + 1 }),
      /holds \d+ bytes, not the \d+ bytes that were uploaded/,
    );
  });
});
