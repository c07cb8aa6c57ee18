import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { createS3Client, S3ObjectStore } from '../../../adapters/storage/s3-store';
import { testStack } from '../../harness/env';

const repoRoot = resolve(__dirname, '../../../..');
const cli = join(repoRoot, 'dist/client/cli.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function pitr(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [cli, 'artifact', ...args], { env, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

describe('pitr artifact pack / unpack / verify', () => {
  const s3 = testStack().s3;
  const prefix = `it-artifact-cli-${Date.now()}-${randomBytes(3).toString('hex')}/`;
  const dir = mkdtempSync(join(tmpdir(), 'pitr-artifact-cli-'));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    PITR_S3_ENDPOINT: s3.endpoint,
    PITR_S3_REGION: s3.region,
    PITR_S3_PREFIX: prefix,
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
    PITR_MASTER_KEY: randomBytes(32).toString('base64'),
  };
  const url = `s3://${s3.bucket}/${prefix}tenants/acme/dump.sql.pitr`;

  after(async () => {
    const client = createS3Client(s3);
    const store = new S3ObjectStore(client, s3.bucket);
    for await (const object of store.list(prefix)) await store.delete(object.key);
    client.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('packs a file, unpacks it byte for byte, and verifies it against its SHA-256', async () => {
    const input = join(dir, 'dump.sql');
    writeFileSync(input, Buffer.concat([Buffer.from('CREATE TABLE t (id int);\n'.repeat(50_000)), randomBytes(300_000)]));
    const packed = await pitr(['pack', input, url, '--tenant', 'acme', '--chunk-size', '65536'], env);
    assert.equal(packed.code, 0, packed.stderr);
    const manifest = JSON.parse(packed.stdout);
    assert.equal(manifest.tenant, 'acme');
    assert.equal(manifest.plaintextBytes, readFileSync(input).length);
    assert.match(manifest.sha256, /^[0-9a-f]{64}$/);

    const output = join(dir, 'restored.sql');
    const unpacked = await pitr(['unpack', url, output, '--tenant', 'acme', '--sha256', manifest.sha256], env);
    assert.equal(unpacked.code, 0, unpacked.stderr);
    assert.ok(readFileSync(output).equals(readFileSync(input)));

    const verified = await pitr(['verify', url, '--sha256', manifest.sha256], env);
    assert.equal(verified.code, 0, verified.stderr);
    assert.equal(JSON.parse(verified.stdout).verified, true);

    const wrongTenant = await pitr(['unpack', url, join(dir, 'other.sql'), '--tenant', 'globex'], env);
    assert.equal(wrongTenant.code, 1);
    assert.match(wrongTenant.stderr, /belongs to tenant acme, not globex/);
    assert.equal(existsSync(join(dir, 'other.sql')) || existsSync(join(dir, 'other.sql.partial')), false, 'no output file on failure');
  });

  it('unpacks into a pipe as it is, instead of renaming a file over it', async () => {
    const input = join(dir, 'piped.sql');
    writeFileSync(input, Buffer.concat([Buffer.from('INSERT INTO t VALUES (1);\n'.repeat(20_000)), randomBytes(100_000)]));
    const pipedUrl = url.replace('dump.sql', 'piped.sql');
    assert.equal((await pitr(['pack', input, pipedUrl, '--tenant', 'acme'], env)).code, 0);
    const fifo = join(dir, 'restore.fifo');
    execFileSync('mkfifo', [fifo]);
    const received = join(dir, 'received.sql');
    const reader = spawn('sh', ['-c', 'cat "$1" > "$2"', 'sh', fifo, received]);
    const readerDone = new Promise((done) => reader.on('exit', done));
    try {
      const unpacked = await pitr(['unpack', pipedUrl, fifo], env);
      assert.equal(unpacked.code, 0, unpacked.stderr);
      assert.ok(statSync(fifo).isFIFO(), 'the pipe is still a pipe');
      await readerDone;
      assert.ok(readFileSync(received).equals(readFileSync(input)), 'the reader received the original bytes');
    } finally {
      reader.kill();
    }
  });

  it('unpacking into a folder, or where no file can be written, says so and what to do, without a stack trace', async () => {
    const input = join(dir, 'small.sql');
    writeFileSync(input, 'INSERT INTO t VALUES (1);\n'.repeat(1000));
    const smallUrl = url.replace('dump.sql', 'small.sql');
    assert.equal((await pitr(['pack', input, smallUrl, '--tenant', 'acme'], env)).code, 0);

    const intoFolder = await pitr(['unpack', smallUrl, dir], env);
    assert.equal(intoFolder.code, 2);
    assert.match(intoFolder.stderr, /is a folder\n {2}what to do: name the file to write in it/);

    const missing = join(dir, 'no-such-folder', 'small.sql');
    const nowhere = await pitr(['unpack', smallUrl, missing], env);
    assert.equal(nowhere.code, 1);
    assert.match(nowhere.stderr, /^pitr: writing .*no-such-folder\/small\.sql\.partial: ENOENT/);
    assert.match(nowhere.stderr, /what to do: the artifact is intact: free space on that filesystem, create the folder/);
    for (const run of [intoFolder, nowhere]) assert.doesNotMatch(run.stderr, /^\s+at /m, 'no stack trace');
  });

  it('verify --quarantine moves a damaged artifact aside and exits non-zero', async () => {
    const input = join(dir, 'binlog.000001');
    writeFileSync(input, randomBytes(200_000));
    const damagedUrl = `s3://${s3.bucket}/${prefix}tenants/acme/binlog.000001.pitr`;
    assert.equal((await pitr(['pack', input, damagedUrl, '--tenant', 'acme'], env)).code, 0);
    const client = createS3Client(s3);
    const store = new S3ObjectStore(client, s3.bucket);
    const key = `${prefix}tenants/acme/binlog.000001.pitr`;
    const pieces: Buffer[] = [];
    for await (const piece of (await store.getStream(key)).body) pieces.push(piece);
    const bytes = Buffer.concat(pieces);
    bytes[bytes.length - 5] = (bytes[bytes.length - 5] as number) ^ 1;
    await store.put(key, bytes);

    const verified = await pitr(['verify', damagedUrl, '--quarantine'], env);
    assert.equal(verified.code, 1);
    assert.match(verified.stderr, /does not authenticate/);
    assert.match(verified.stderr, new RegExp(`moved to s3://${s3.bucket}/${prefix}failed/tenants/acme/binlog\\.000001\\.pitr`));
    assert.ok(await store.head(`${prefix}failed/tenants/acme/binlog.000001.pitr.reason.json`));
    assert.equal(await store.head(key), undefined);
    client.destroy();
  });

  it('names the missing setting', async () => {
    const run = await pitr(['verify', url], { ...env, PITR_S3_ENDPOINT: undefined });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /PITR_S3_ENDPOINT is not set/);
  });
});
