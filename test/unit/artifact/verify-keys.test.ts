import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { ArtifactServices } from '../../../adapters/artifact/services';
import { packArtifact } from '../../../adapters/artifact/upload';
import { createVerifyActivities } from '../../../activities/backup/verify-activities';
import type { Catalog } from '../../../adapters/catalog/catalog';
import type { CentralConfig } from '../../../adapters/config/config';
import { MasterKeyUnavailableError } from '../../../adapters/keys/errors';
import { ObjectTenantKeyStore } from '../../../adapters/keys/object-tenant-key-store';
import { TenantKeys } from '../../../adapters/keys/tenant-keys';
import { generateManifestKeyPair, loadManifestSigningKey, signManifest } from '../../../domain/manifest/signature';
import { mysqlManifest } from '../manifest/sample-manifests';
import { masterKey, readableOf, sqlLikeText } from './fixtures';
import { MemoryObjectStore } from './memory-object-store';

const dir = mkdtempSync(join(tmpdir(), 'pitr-verify-keys-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const ref = { tenantId: 'acme', clusterId: 'ledger-eu', backupId: 'bk-1', engine: 'mysqldump' as const };
const artifactKey = 'v1/tenants/acme/clusters/ledger-eu/backups/bk-1/base.pitr';
const manifestKey = `${artifactKey}.manifest.json`;

/** A backup as the backup workflow leaves it: an artifact sealed under `master`, and its signed manifest beside it. */
async function storedBackup(store: MemoryObjectStore, master: ReturnType<typeof masterKey>): Promise<CentralConfig> {
  const packed = await packArtifact({
    store,
    key: artifactKey,
    tenant: 'acme',
    keys: new TenantKeys(new ObjectTenantKeyStore(store, 'v1/'), master),
    openInput: () => readableOf(sqlLikeText(300_000)),
    encoding: { chunkSize: 64 * 1024 },
  });
  const pair = generateManifestKeyPair();
  const manifest = mysqlManifest();
  manifest.artifact.location = { bucket: store.bucket, key: artifactKey };
  manifest.artifact.storedSha256 = packed.sha256;
  await store.put(manifestKey, Buffer.from(JSON.stringify(signManifest(manifest, loadManifestSigningKey('k1', pair.privateKeyPem)))));
  const publicKeyFile = join(dir, `k1-${packed.artifactId}.pem`);
  writeFileSync(publicKeyFile, pair.publicKeyPem);
  return { signing: { keyId: 'k1', privateKeyFile: '', publicKeyFiles: { k1: publicKeyFile } } } as unknown as CentralConfig;
}

function verifier(config: CentralConfig, store: MemoryObjectStore, keys: TenantKeys) {
  const services = { store, keys, prefix: 'v1/', close: () => undefined } as unknown as ArtifactServices;
  // Any catalog use (recording a quarantined backup) fails loudly: these cases must not reach it.
  const catalog = { withTenant: () => Promise.reject(new Error('the catalog was used')) } as unknown as Catalog;
  return createVerifyActivities(config, catalog, services);
}

const quarantined = (store: MemoryObjectStore): string[] => [...store.objects.keys()].filter((k) => k.startsWith('v1/failed/'));

describe('backup verification and keys', () => {
  it('verifies a healthy artifact with the master key it was sealed under', async () => {
    const store = new MemoryObjectStore();
    const master = masterKey();
    const config = await storedBackup(store, master);
    const verified = await verifier(config, store, new TenantKeys(new ObjectTenantKeyStore(store, 'v1/'), master)).verifyBackupArtifact({
      ref,
      manifestKey,
    });
    assert.equal(verified.plainBytes, 300_000);
  });

  it('a master key missing from the configuration fails verification but leaves the healthy artifact in place', async () => {
    const store = new MemoryObjectStore();
    const config = await storedBackup(store, masterKey());
    const rotatedTooSoon = new TenantKeys(new ObjectTenantKeyStore(store, 'v1/'), masterKey());
    await assert.rejects(verifier(config, store, rotatedTooSoon).verifyBackupArtifact({ ref, manifestKey }), MasterKeyUnavailableError);
    assert.ok(store.objects.has(artifactKey), 'the artifact is where the manifest says');
    assert.deepEqual(quarantined(store), []);
  });

  it('a corrupted artifact is still moved to failed/', async () => {
    const store = new MemoryObjectStore();
    const master = masterKey();
    const config = await storedBackup(store, master);
    const bytes = store.objects.get(artifactKey)!.bytes;
    bytes.writeUInt8(bytes.readUInt8(bytes.length >> 1) ^ 1, bytes.length >> 1);
    await assert.rejects(
      verifier(config, store, new TenantKeys(new ObjectTenantKeyStore(store, 'v1/'), master)).verifyBackupArtifact({ ref, manifestKey }),
    );
    assert.equal(store.objects.has(artifactKey), false);
    assert.notDeepEqual(quarantined(store), []);
  });
});
