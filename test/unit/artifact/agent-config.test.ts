import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { defaultEncoding, MAX_DEFAULT_COMPRESSION_WORKERS } from '../../../adapters/artifact/encode';
import { uploadEncoding } from '../../../adapters/config/artifact-services';
import { ConfigError, loadAgentConfig, loadCentralConfig } from '../../../adapters/config/config';

const dir = mkdtempSync(join(tmpdir(), 'pitr-agent-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const common = {
  temporal: { address: '127.0.0.1:7233' },
  storage: { endpoint: 'http://127.0.0.1:9000', bucket: 'pitr', accessKeyId: 'id', secretAccessKey: { env: 'S3_SECRET' } },
  masterKeyFile: '/run/secrets/master-key',
};
const agent = {
  ...common,
  tenantId: 'acme',
  clusterId: 'orders',
  database: { flavor: 'mysql', port: 3306, user: 'root', binlogDir: '/var/lib/mysql-binlog' },
  stagingDir: '/var/lib/pitr/staging',
};

function file(name: string, content: object): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(content));
  return path;
}

describe('agent and storage configuration', () => {
  it("keeps compression level, workers and the engines' concurrency", () => {
    const config = loadAgentConfig(
      file('full.json', { ...agent, compression: { level: 6, workers: 2 }, throttle: { concurrency: 4, uploadMBps: 50 } }),
    );
    assert.deepEqual(config.compression, { level: 6, workers: 2 });
    assert.deepEqual(config.throttle, { concurrency: 4, uploadMBps: 50 });
    assert.deepEqual(uploadEncoding(config), { compressionLevel: 6, compressionWorkers: 2 });
  });

  it('leaves unset compression to the defaults, which cap workers', () => {
    const config = loadAgentConfig(file('bare.json', agent));
    assert.deepEqual(uploadEncoding(config), {});
    assert.deepEqual(uploadEncoding(loadAgentConfig(file('level.json', { ...agent, compression: { level: 1 } }))), { compressionLevel: 1 });
    assert.equal(defaultEncoding().compressionWorkers, Math.min(availableParallelism(), MAX_DEFAULT_COMPRESSION_WORKERS));
  });

  it('refuses out-of-range compression and concurrency, naming the setting', () => {
    assert.throws(
      () => loadAgentConfig(file('level.json', { ...agent, compression: { level: 23 } })),
      (err: unknown) => err instanceof ConfigError && /compression\.level/.test(err.message),
    );
    assert.throws(() => loadAgentConfig(file('workers.json', { ...agent, compression: { workers: -1 } })), /compression\.workers/);
    assert.throws(() => loadAgentConfig(file('concurrency.json', { ...agent, throttle: { concurrency: 0 } })), /throttle\.concurrency/);
  });

  it('reads previous master keys as secrets and the checksum mode of the store', () => {
    const central = {
      ...common,
      storage: { ...common.storage, checksums: 'when-required' },
      previousMasterKeys: [{ file: '/run/secrets/old-master-key' }, { env: 'OLD_MASTER_KEY' }],
      catalogUrl: 'postgresql://pitr@127.0.0.1/pitr',
      signing: { keyId: 'k1', privateKeyFile: '/k1.pem', publicKeyFiles: { k1: '/k1.pub' } },
    };
    const config = loadCentralConfig(file('central.json', central));
    assert.deepEqual(config.previousMasterKeys, central.previousMasterKeys);
    assert.equal(config.storage.checksums, 'when-required');
    assert.throws(
      () => loadCentralConfig(file('bad.json', { ...central, storage: { ...central.storage, checksums: 'always' } })),
      /storage\.checksums/,
    );
  });
});
