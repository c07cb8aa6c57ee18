import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, loadAgentConfig, loadCentralConfig, UnknownConfigKeyError } from '../../../adapters/config/config';
import { editDistance, nearest } from '../../../adapters/config/edit-distance';

const dir = mkdtempSync(join(tmpdir(), 'pitr-unknown-keys-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
function file(content: object): string {
  const path = join(dir, `config-${++files}.json`);
  writeFileSync(path, JSON.stringify(content));
  return path;
}

/** Every optional object of both schemas is present, so that each object's strictness is exercised. */
const common = {
  temporal: { address: '127.0.0.1:7233', namespace: 'default' },
  storage: {
    endpoint: 'http://127.0.0.1:9000',
    region: 'us-east-1',
    bucket: 'pitr',
    prefix: 'v2/',
    accessKeyId: 'id',
    secretAccessKey: { env: 'S3_SECRET' },
    checksums: 'when-required',
  },
  masterKeyFile: '/run/secrets/master-key',
  previousMasterKeys: ['inline', { file: '/run/secrets/old-master-key' }, { env: 'OLD_MASTER_KEY' }],
};
const agent = {
  ...common,
  tenantId: 'acme',
  clusterId: 'orders',
  database: {
    flavor: 'mysql',
    host: 'db',
    port: 3306,
    socket: '/run/mysqld.sock',
    user: 'backup',
    password: { file: '/run/secrets/db' },
    binlogDir: '/var/lib/mysql-binlog',
  },
  stagingDir: '/var/lib/pitr/staging',
  headroom: 1.5,
  maxDdlSeconds: 60,
  maxLockWaiters: 0,
  maxLockWaitSeconds: 60,
  throttle: { ioPerSecond: 100, bandwidthMBps: 100, uploadMBps: 50, concurrency: 2 },
  compression: { level: 3, workers: 2 },
  tools: { xtrabackup: '/usr/bin/xtrabackup', 'mariadb-backup': '/usr/bin/mariadb-backup' },
};
const central = {
  ...common,
  catalogUrl: { env: 'CATALOG_URL' },
  signing: { keyId: 'k1', privateKeyFile: '/k1.pem', publicKeyFiles: { k1: '/k1.pub', k2: '/k2.pub' } },
};

function unknownKeyError(load: () => unknown, what = 'the configuration'): UnknownConfigKeyError {
  try {
    load();
  } catch (err) {
    assert.ok(err instanceof UnknownConfigKeyError, `expected an UnknownConfigKeyError, got ${String(err)}`);
    return err;
  }
  assert.fail(`${what} was accepted`);
}

/** The same value with `key: value` added to the object at `path`. */
function withKey(value: unknown, path: readonly (string | number)[], key: string): unknown {
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let at = copy;
  for (const step of path) at = at[step] as Record<string | number, unknown>;
  at[key] = 'x';
  return copy;
}

/** Paths of every object in a configuration, but records, whose keys are free (key ids). */
function objectPaths(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (typeof value !== 'object' || value === null) return [];
  const here = Array.isArray(value) || path.join('.') === 'signing.publicKeyFiles' ? [] : [path];
  return [...here, ...Object.entries(value).flatMap(([k, v]) => objectPaths(v, [...path, Array.isArray(value) ? Number(k) : k]))];
}

describe('edit distance', () => {
  it('counts insertions, deletions, substitutions and swaps of neighbours as one', () => {
    assert.equal(editDistance('password', 'password'), 0);
    assert.equal(editDistance('pasword', 'password'), 1);
    assert.equal(editDistance('passwrod', 'password'), 1);
    assert.equal(editDistance('passwort', 'password'), 1);
    assert.equal(editDistance('', 'env'), 3);
    assert.equal(editDistance('file', 'env'), 4);
  });

  it('suggests the nearest key only when it is near enough, ignoring case', () => {
    assert.equal(nearest('headrom', ['stagingDir', 'headroom', 'tools']), 'headroom');
    assert.equal(nearest('BinlogDir', ['binlogDir', 'host']), 'binlogDir');
    assert.equal(nearest('colour', ['flavor', 'host', 'port']), undefined);
  });
});

describe('unknown configuration keys', () => {
  it('loads the full configurations as they are', () => {
    assert.equal(loadAgentConfig(file(agent)).tools.xtrabackup, '/usr/bin/xtrabackup');
    assert.deepEqual(loadCentralConfig(file(central)).signing.publicKeyFiles, central.signing.publicKeyFiles);
  });

  it('refuses a misspelt database password, naming its path and the key meant', () => {
    const { password, ...database } = agent.database;
    const config = file({ ...agent, database: { ...database, pasword: password } });
    const err = unknownKeyError(() => loadAgentConfig(config));
    assert.ok(err instanceof ConfigError && err.exitCode === 2);
    assert.equal(err.message, `agent configuration ${config}: unknown key database.pasword (did you mean database.password?)`);
    assert.equal(err.hint, `rename database.pasword to database.password in ${config}`);
  });

  it('refuses a misspelt top-level key, and a misspelt engine in tools', () => {
    assert.match(
      unknownKeyError(() => loadAgentConfig(file({ ...agent, headrom: 2 }))).message,
      /unknown key headrom \(did you mean headroom\?\)$/,
    );
    assert.match(
      unknownKeyError(() => loadAgentConfig(file({ ...agent, tools: { xtrabakup: '/x' } }))).message,
      /unknown key tools\.xtrabakup \(did you mean tools\.xtrabackup\?\)$/,
    );
  });

  it('refuses misspelt keys of secrets given by file or environment variable', () => {
    const password = unknownKeyError(() =>
      loadAgentConfig(file({ ...agent, database: { ...agent.database, password: { fiel: '/run/secrets/db' } } })),
    );
    assert.match(password.message, /unknown key database\.password\.fiel \(did you mean database\.password\.file\?\)$/);
    const s3 = unknownKeyError(() =>
      loadCentralConfig(file({ ...central, storage: { ...central.storage, secretAccessKey: { evn: 'S3_SECRET' } } })),
    );
    assert.match(s3.message, /unknown key storage\.secretAccessKey\.evn \(did you mean storage\.secretAccessKey\.env\?\)$/);
    const previous = unknownKeyError(() => loadCentralConfig(file({ ...central, previousMasterKeys: [{ file: '/old', mode: 'r' }] })));
    assert.deepEqual(
      previous.keys.map((k) => k.path),
      ['previousMasterKeys.0.mode'],
    );
  });

  it('names every unknown key at once, and what is allowed where nothing is near', () => {
    const err = unknownKeyError(() => loadAgentConfig(file({ ...agent, headrom: 2, database: { ...agent.database, colour: 'blue' } })));
    assert.deepEqual(err.keys.map((k) => [k.path, k.suggestion]).sort(), [
      ['database.colour', undefined],
      ['headrom', 'headroom'],
    ]);
    assert.match(err.message, /unknown keys /);
    assert.match(
      err.hint ?? '',
      /remove database\.colour or use a key allowed there \(flavor, host, port, socket, user, password, binlogDir, archiveSource, streamServerId, streamStallSeconds, tls\)/,
    );
    assert.match(err.hint ?? '', /rename headrom to headroom/);
  });

  it('refuses an unknown key in every object of both schemas', () => {
    for (const [what, config, load] of [
      ['agent', agent, loadAgentConfig],
      ['central', central, loadCentralConfig],
    ] as const) {
      const paths = objectPaths(config);
      assert.ok(paths.length >= 8, `${what}: the objects were found`);
      for (const path of paths) {
        const err = unknownKeyError(
          () => load(file(withKey(config, path, 'zzUnknown') as object)),
          `${what} with an unknown key at ${path.join('.') || '(root)'}`,
        );
        assert.deepEqual(
          err.keys.map((k) => k.path),
          [[...path, 'zzUnknown'].join('.')],
          `${what}: ${path.join('.')}`,
        );
      }
    }
  });

  it('keeps other mistakes as they were: a secret given both ways is no unknown key', () => {
    const both = file({ ...agent, database: { ...agent.database, password: { file: '/a', env: 'B' } } });
    assert.throws(
      () => loadAgentConfig(both),
      (err: unknown) => err instanceof ConfigError && !(err instanceof UnknownConfigKeyError) && /database\.password/.test(err.message),
    );
    assert.throws(
      () => loadAgentConfig(file({ ...agent, headroom: 0.5 })),
      (err: unknown) => err instanceof ConfigError && !(err instanceof UnknownConfigKeyError) && /headroom/.test(err.message),
    );
  });
});

describe('pitr agent with a misspelt key', () => {
  it('prints the key and what to do, without a stack trace, and exits 2', async () => {
    const cli = resolve(__dirname, '../../../client/cli.js');
    const { password, ...database } = agent.database;
    const config = file({ ...agent, database: { ...database, pasword: password } });
    const run = await new Promise<{ code: number | null; stderr: string }>((done) => {
      execFile(process.execPath, [cli, 'agent', '--config', config], (err, _stdout, stderr) =>
        done({ code: err ? (err.code as number) : 0, stderr }),
      );
    });
    assert.equal(run.code, 2);
    assert.equal(
      run.stderr,
      `pitr: agent configuration ${config}: unknown key database.pasword (did you mean database.password?)\n` +
        `  what to do: rename database.pasword to database.password in ${config}\n`,
    );
  });
});
