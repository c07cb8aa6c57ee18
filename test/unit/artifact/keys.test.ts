import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { InvalidInputError } from '../../../domain/errors';
import { decodeArtifact } from '../../../adapters/artifact/decode';
import { encodeArtifact } from '../../../adapters/artifact/encode';
import { masterKeyFromEnv } from '../../../adapters/keys/config';
import {
  KeyRecordInvalidError,
  MasterKeyUnavailableError,
  TenantKeyErasedError,
  TenantKeyNotFoundError,
} from '../../../adapters/keys/errors';
import { LocalKeyProvider } from '../../../adapters/keys/local-key-provider';
import { ObjectTenantKeyStore } from '../../../adapters/keys/object-tenant-key-store';
import { TenantKeys } from '../../../adapters/keys/tenant-keys';
import { MissingSettingError } from '../../../adapters/storage/config';
import { collect, masterKey, memoryKeys, piecesOf, readableOf } from './fixtures';
import { MemoryObjectStore } from './memory-object-store';

describe('local master key provider', () => {
  it('unwraps what it wrapped, only for the same tenant and key id', async () => {
    const provider = masterKey();
    const dataKey = randomBytes(32);
    const wrapped = await provider.wrap(dataKey, { tenant: 'acme', dataKeyId: 'dk-1' });
    assert.ok(!wrapped.includes(dataKey.toString('base64')));
    assert.deepEqual(await provider.unwrap(wrapped, { tenant: 'acme', dataKeyId: 'dk-1' }), dataKey);
    await assert.rejects(provider.unwrap(wrapped, { tenant: 'globex', dataKeyId: 'dk-1' }), KeyRecordInvalidError);
  });

  it('names a master key by a fingerprint that is the same for the same key', () => {
    const text = randomBytes(32).toString('base64');
    assert.equal(LocalKeyProvider.fromBase64(text, 'a').keyId, LocalKeyProvider.fromBase64(text, 'b').keyId);
    assert.notEqual(LocalKeyProvider.fromBase64(text, 'a').keyId, masterKey().keyId);
    assert.match(masterKey().keyId, /^local:[0-9a-f]{16}$/);
  });

  it('reads the master key from PITR_MASTER_KEY or PITR_MASTER_KEY_FILE and says which variable is wrong', () => {
    const text = randomBytes(32).toString('base64');
    const dir = mkdtempSync(join(tmpdir(), 'pitr-keys-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'master.key');
    writeFileSync(file, `${text}\n`);
    const fromEnv = masterKeyFromEnv({ PITR_MASTER_KEY: text });
    assert.equal(masterKeyFromEnv({ PITR_MASTER_KEY_FILE: file }).keyId, fromEnv.keyId);
    assert.throws(
      () => masterKeyFromEnv({}),
      (err: unknown) => err instanceof MissingSettingError && /^PITR_MASTER_KEY is not set/.test(err.message),
    );
    assert.throws(
      () => masterKeyFromEnv({ PITR_MASTER_KEY: text, PITR_MASTER_KEY_FILE: file }),
      /both PITR_MASTER_KEY and PITR_MASTER_KEY_FILE are set/,
    );
    assert.throws(() => masterKeyFromEnv({ PITR_MASTER_KEY: 'c2hvcnQ=' }), /PITR_MASTER_KEY is not a base64-encoded 32-byte key/);
    assert.throws(() => masterKeyFromEnv({ PITR_MASTER_KEY_FILE: `${file}.missing` }), /PITR_MASTER_KEY_FILE=.*cannot be read/);
  });
});

describe('tenant data keys', () => {
  it('creates one key per tenant on first use and keeps only its wrapped form in the store', async () => {
    const { keys, store } = memoryKeys();
    const first = await keys.keyForWriting('acme');
    const again = await keys.keyForWriting('acme');
    assert.deepEqual(again, first);
    assert.notDeepEqual((await keys.keyForWriting('globex')).material, first.material);
    const record = store.objects.get('v1/keys/acme.json')?.bytes.toString() ?? '';
    assert.match(record, new RegExp(`"dataKeyId": "${first.id}"`));
    assert.ok(!record.includes(first.material.toString('base64')) && !record.includes(first.material.toString('hex')));
  });

  it('agrees on a single key when two workers create the same tenant key at once', async () => {
    const store = new MemoryObjectStore();
    const provider = masterKey();
    const [a, b] = await Promise.all([
      new TenantKeys(new ObjectTenantKeyStore(store, 'v1/'), provider).keyForWriting('acme'),
      new TenantKeys(new ObjectTenantKeyStore(store, 'v1/'), provider).keyForWriting('acme'),
    ]);
    assert.deepEqual(a, b);
  });

  it('rotating the master key re-wraps data keys; artifacts stay readable without being rewritten', async () => {
    const store = new MemoryObjectStore();
    const oldMaster = masterKey();
    const newMaster = masterKey();
    const before = new TenantKeys(new ObjectTenantKeyStore(store, 'v1/'), oldMaster);
    const key = await before.keyForWriting('acme');
    await before.erase('gone');
    const artifact = await collect(
      encodeArtifact(readableOf(Buffer.from('hello')), {
        key,
        artifactId: randomBytes(16),
        chunkSize: 1024,
        compressionLevel: 3,
        compressionWorkers: 0,
      }),
    );

    const rotating = new TenantKeys(new ObjectTenantKeyStore(store, 'v1/'), newMaster, [oldMaster]);
    assert.deepEqual(await rotating.rewrapUnderCurrentMasterKey(), {
      masterKeyId: newMaster.keyId,
      rewrapped: ['acme'],
      unchanged: ['gone'],
    });
    assert.deepEqual(await rotating.rewrapUnderCurrentMasterKey(), {
      masterKeyId: newMaster.keyId,
      rewrapped: [],
      unchanged: ['acme', 'gone'],
    });

    const after = new TenantKeys(new ObjectTenantKeyStore(store, 'v1/'), newMaster);
    const decoded = await decodeArtifact(piecesOf(artifact, 100), { discard: true }, { keys: after, artifact: 'a' });
    assert.equal(decoded.plaintextBytes, 5);
    await assert.rejects(
      before.keyForReading('acme', key.id),
      (err: unknown) => err instanceof MasterKeyUnavailableError && err.message.includes(newMaster.keyId),
    );
  });

  it('re-wraps only the tenants named, and refuses a named tenant that has no key', async () => {
    const store = new MemoryObjectStore();
    const oldMaster = masterKey();
    const newMaster = masterKey();
    const before = new TenantKeys(new ObjectTenantKeyStore(store, 'v1/'), oldMaster);
    await before.keyForWriting('acme');
    await before.keyForWriting('globex');
    const rotating = new TenantKeys(new ObjectTenantKeyStore(store, 'v1/'), newMaster, [oldMaster]);
    assert.deepEqual(await rotating.rewrapUnderCurrentMasterKey(['globex']), {
      masterKeyId: newMaster.keyId,
      rewrapped: ['globex'],
      unchanged: [],
    });
    const record = (tenant: string) => JSON.parse(store.objects.get(`v1/keys/${tenant}.json`)?.bytes.toString() ?? '{}');
    assert.equal(record('acme').masterKeyId, oldMaster.keyId);
    assert.equal(record('globex').masterKeyId, newMaster.keyId);
    await assert.rejects(rotating.rewrapUnderCurrentMasterKey(['initech']), TenantKeyNotFoundError);
  });

  it('erasing is idempotent, also for a tenant that never had a key, and blocks new keys', async () => {
    const { keys } = memoryKeys();
    const first = await keys.erase('never-used');
    const again = await keys.erase('never-used');
    assert.deepEqual(first, { erasedAt: first.erasedAt, dataKeyId: undefined, alreadyErased: false });
    assert.deepEqual(again, { erasedAt: first.erasedAt, dataKeyId: undefined, alreadyErased: true });
    await assert.rejects(keys.keyForWriting('never-used'), TenantKeyErasedError);
  });

  it('refuses a key record copied to another tenant, and says when a tenant has no key', async () => {
    const { keys, store } = memoryKeys();
    await keys.keyForWriting('acme');
    const record = JSON.parse(store.objects.get('v1/keys/acme.json')?.bytes.toString() ?? '{}');
    await store.put('v1/keys/globex.json', Buffer.from(JSON.stringify({ ...record, tenant: 'globex' })));
    await assert.rejects(keys.keyForReading('globex', record.dataKeyId), KeyRecordInvalidError);
    await store.put('v1/keys/initech.json', Buffer.from('{"not": "a record"}'));
    await assert.rejects(keys.keyForReading('initech', 'dk-1'), /is not a valid tenant key record/);
    await assert.rejects(
      keys.keyForReading('hooli', 'dk-1'),
      (err: unknown) =>
        err instanceof TenantKeyNotFoundError && /tenant hooli has no data key in s3:\/\/memory\/v1\/keys\//.test(err.message),
    );
  });

  it('refuses tenant ids that cannot name an object', async () => {
    const { keys } = memoryKeys();
    for (const bad of ['', '../x', 'a/b', '.hidden', 'x'.repeat(129)]) {
      await assert.rejects(keys.keyForWriting(bad), InvalidInputError);
    }
  });
});
