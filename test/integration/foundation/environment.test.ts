import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { startMinio } from '../../../activities/local/minio-server';
import { PortInUseError } from '../../../activities/local/process';

const repoRoot = resolve(__dirname, '../../../..');
const installer = join(repoRoot, 'scripts', 'install-toolchain.sh');

function listen(): Promise<{ server: Server; port: number }> {
  return new Promise((res) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      res({ server, port: typeof address === 'object' && address ? address.port : 0 });
    });
  });
}

async function runInstaller(env: NodeJS.ProcessEnv): Promise<{ code: number; stderr: string }> {
  try {
    const { stderr } = await promisify(execFile)('bash', [installer], { env: { ...process.env, ...env } });
    return { code: 0, stderr };
  } catch (err) {
    const e = err as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
}

test('a port in use is refused with the port and how to find its owner', async () => {
  const { server, port } = await listen();
  const dir = mkdtempSync(join(tmpdir(), 'pitr-port-'));
  try {
    await assert.rejects(
      startMinio({ dir, port, consolePort: port + 1, bucket: 'b', accessKeyId: 'a', secretAccessKey: 'secret-key' }),
      (err: unknown) => {
        assert.ok(err instanceof PortInUseError);
        assert.match(err.message, new RegExp(`port ${port} for MinIO is already in use`));
        assert.match(err.hint ?? '', /ss -ltnp/);
        return true;
      },
    );
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the installer says the Go toolchain is missing when it must build the Temporal CLI', async () => {
  const cache = mkdtempSync(join(tmpdir(), 'pitr-cache-'));
  try {
    const { code, stderr } = await runInstaller({ PITR_CACHE: cache, PATH: '/usr/bin:/bin' });
    assert.equal(code, 1);
    assert.match(stderr, /the Go toolchain is missing .* Install Go/);
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
});

test('the installer names a failed MySQL package download and where its log is', async () => {
  const cache = mkdtempSync(join(tmpdir(), 'pitr-cache-'));
  try {
    // Pretend the Go tools are built so only the package download runs.
    mkdirSync(join(cache, 'bin'));
    const script = readFileSync(installer, 'utf8');
    const version = (name: string): string => new RegExp(`${name}="([^"]+)"`).exec(script)![1]!;
    const built = {
      temporal: `github.com/temporalio/cli/cmd/temporal@${version('TEMPORAL_VERSION')}`,
      minio: `github.com/minio/minio@${version('MINIO_VERSION')}`,
    };
    for (const [name, stamp] of Object.entries(built)) {
      writeFileSync(join(cache, 'bin', name), '#!/bin/sh\n');
      chmodSync(join(cache, 'bin', name), 0o755);
      writeFileSync(join(cache, 'bin', `${name}.stamp`), `${stamp}\n`);
    }
    const { code, stderr } = await runInstaller({ PITR_CACHE: cache, PITR_DEBIAN_MIRROR: 'http://127.0.0.1:9/debian' });
    assert.equal(code, 1);
    assert.match(stderr, /downloading MySQL packages from Debian sid failed \(log: .*fetch\.log\)/);
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
});
