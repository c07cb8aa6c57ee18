import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { unpackArtifact } from '../../../adapters/artifact/download';
import { packArtifact } from '../../../adapters/artifact/upload';
import { artifactServicesFromConfig } from '../../../adapters/config/artifact-services';
import type { CentralConfig } from '../../../adapters/config/config';
import { MasterKeyUnavailableError } from '../../../adapters/keys/errors';
import { centralConfig } from '../../harness/workers';

const cli = join(resolve(__dirname, '../../../..'), 'dist/client/cli.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function pitr(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [cli, ...args], { env: { ...process.env, ...env }, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

async function unpacked(config: CentralConfig, key: string): Promise<Buffer> {
  const services = artifactServicesFromConfig(config);
  const pieces: Buffer[] = [];
  const destination = new Writable({
    write: (chunk: Buffer, _encoding, done) => {
      pieces.push(chunk);
      done();
    },
  });
  try {
    await unpackArtifact({ store: services.store, key, keys: services.keys, destination: { stream: destination } });
    return Buffer.concat(pieces);
  } finally {
    services.close();
  }
}

describe('master key rotation an operator runs', () => {
  const base = centralConfig();
  const prefix = `it-rotation-${Date.now()}-${randomBytes(3).toString('hex')}/`;
  const dir = mkdtempSync(join(tmpdir(), 'pitr-rotation-'));
  const keyFile = (name: string): string => {
    const file = join(dir, name);
    writeFileSync(file, `${randomBytes(32).toString('base64')}\n`);
    return file;
  };
  const configFile = (name: string, config: CentralConfig): string => {
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify(config));
    return file;
  };
  const key1 = keyFile('master-1.key');
  const key2 = keyFile('master-2.key');
  const storage = { ...base.storage, prefix };
  const underKey1: CentralConfig = { ...base, storage, masterKeyFile: key1 };
  // The rotation's middle state: key 2 current, key 1 still able to unwrap (here from an environment variable).
  const rotating: CentralConfig = { ...base, storage, masterKeyFile: key2, previousMasterKeys: [{ env: 'PITR_TEST_OLD_MASTER_KEY' }] };
  const rotated: CentralConfig = { ...base, storage, masterKeyFile: key2 };

  after(async () => {
    const services = artifactServicesFromConfig(underKey1);
    for await (const object of services.store.list(prefix)) await services.store.delete(object.key);
    services.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('packs under key 1, re-wraps under key 2, and reads the untouched artifacts with key 2 alone', async () => {
    const content = Buffer.concat([Buffer.from('INSERT INTO t VALUES (1);\n'.repeat(40_000)), randomBytes(200_000)]);
    const services = artifactServicesFromConfig(underKey1);
    const keys: Record<string, string> = {};
    try {
      for (const tenant of ['acme', 'globex']) {
        keys[tenant] = `${prefix}tenants/${tenant}/dump.pitr`;
        await packArtifact({
          store: services.store,
          key: keys[tenant]!,
          tenant,
          keys: services.keys,
          openInput: async function* () {
            yield content;
          },
        });
      }
    } finally {
      services.close();
    }
    const before = artifactServicesFromConfig(underKey1);
    const etags = await Promise.all(Object.values(keys).map(async (k) => (await before.store.head(k))?.etag));
    before.close();

    await assert.rejects(unpacked(rotated, keys.acme!), MasterKeyUnavailableError, 'key 2 alone cannot read before the re-wrap');

    const rotatingFile = configFile('rotating.json', rotating);
    const old = { PITR_TEST_OLD_MASTER_KEY: readFileSync(key1, 'utf8').trim() };
    const neither = await pitr(['tenant', 'rewrap-keys', '--config', rotatingFile], old);
    assert.notEqual(neither.code, 0);
    assert.match(neither.stderr, /exactly one of --tenant ID and --all/);

    const one = await pitr(['tenant', 'rewrap-keys', '--tenant', 'acme', '--json', '--config', rotatingFile], old);
    assert.equal(one.code, 0, one.stderr);
    const first = JSON.parse(one.stdout);
    assert.deepEqual(first.rewrapped, ['acme']);
    assert.deepEqual(await unpacked(rotated, keys.acme!), content, 'acme reads with key 2 alone');
    await assert.rejects(unpacked(rotated, keys.globex!), MasterKeyUnavailableError, 'globex is not re-wrapped yet');

    const all = await pitr(['tenant', 'rewrap-keys', '--all', '--json', '--config', rotatingFile], old);
    assert.equal(all.code, 0, all.stderr);
    assert.deepEqual(JSON.parse(all.stdout), { masterKeyId: first.masterKeyId, rewrapped: ['globex'], unchanged: ['acme'] });

    // Key 1 is gone from the configuration: every artifact still reads, and none was rewritten.
    assert.deepEqual(await unpacked(rotated, keys.acme!), content);
    assert.deepEqual(await unpacked(rotated, keys.globex!), content);
    const afterwards = artifactServicesFromConfig(rotated);
    assert.deepEqual(await Promise.all(Object.values(keys).map(async (k) => (await afterwards.store.head(k))?.etag)), etags);
    afterwards.close();
  });
});
