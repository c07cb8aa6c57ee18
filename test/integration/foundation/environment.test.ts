import assert from 'node:assert/strict';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { startMinio } from '../../../devstack/minio-server';
import { dropDatabase } from '../../../devstack/postgres';
import { pidFilesUnder, PortInUseError, processStartTime, tcpOpen } from '../../../adapters/servers/process';
import { freeStackPorts, startStack } from '../../../devstack/stack';
import { processesMentioning } from './processes';

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

test('a stack that cannot start one service stops the others it started and says how to choose other ports', async () => {
  const { server, port } = await listen();
  const database = `pitr_partial_${process.pid}`;
  try {
    // The other services' ports were free a moment before; a server the suite starts beside this
    // test may take one meanwhile, and then that service fails too: run again on other ports.
    for (let attempt = 1; ; attempt++) {
      const stateDir = mkdtempSync(join(tmpdir(), 'pitr-partial-'));
      try {
        const ports = { ...(await freeStackPorts(false)), minio: port };
        await assert.rejects(startStack({ stateDir, ports, catalogDatabase: database, persistentTemporal: false }), (err: unknown) => {
          assert.ok(err instanceof PortInUseError, String(err));
          assert.match(err.message, new RegExp(`port ${port} for MinIO is already in use`));
          assert.match(err.hint ?? '', /pitr dev up --port-base N/);
          return true;
        });
        const logs = ['temporal/temporal.log', 'mysql/server.log', 'mariadb/server.log'];
        const missing = logs.filter((log) => !existsSync(join(stateDir, log)));
        if (missing.length > 0 && attempt < 3) continue;
        assert.deepEqual(missing, [], 'the other services did start');
        assert.deepEqual(processesMentioning(stateDir), [], 'nothing of the failed start keeps running');
        for (const p of [ports.temporal, ports.mysql, ports.mariadb]) assert.equal(await tcpOpen(p), false, `port ${p} still answers`);
        assert.deepEqual(pidFilesUnder(stateDir), []);
        assert.equal(existsSync(join(stateDir, 'stack.json')), false);
        return;
      } finally {
        rmSync(stateDir, { recursive: true, force: true });
      }
    }
  } finally {
    server.close();
    await dropDatabase(database);
  }
});

/** A cache folder where the Temporal CLI and MinIO count as built, so only the later steps run. */
function cacheWithGoToolsBuilt(): string {
  const cache = mkdtempSync(join(tmpdir(), 'pitr-cache-'));
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
  return cache;
}

/** A folder for PATH holding only links to `real` commands of this host and the given fake scripts. */
function pathOf(folder: string, real: string[], fakes: Record<string, string> = {}): string {
  mkdirSync(folder, { recursive: true });
  for (const name of real) symlinkSync(execFileSync('bash', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim(), join(folder, name));
  for (const [name, body] of Object.entries(fakes)) {
    writeFileSync(join(folder, name), `#!/bin/bash\n${body}\n`);
    chmodSync(join(folder, name), 0o755);
  }
  return folder;
}

function scratch(t: { after: (fn: () => void) => void }, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const BASICS = ['bash', 'mkdir', 'cat', 'rm', 'head'];

test('the installer says the Go toolchain is missing when it must build the Temporal CLI', async (t) => {
  const dir = scratch(t, 'pitr-nogo-');
  const { code, stderr } = await runInstaller({ PITR_CACHE: join(dir, 'cache'), PATH: pathOf(join(dir, 'bin'), BASICS) });
  assert.equal(code, 1);
  assert.match(stderr, /the Go toolchain is missing .* Install Go/);
});

test('the installer says when it needs root and sudo is missing or asks for a password', async (t) => {
  const cache = cacheWithGoToolsBuilt();
  t.after(() => rmSync(cache, { recursive: true, force: true }));
  const dir = scratch(t, 'pitr-nosudo-');
  const notRoot = { id: 'echo 1000', dpkg: 'exit 1' };
  const noSudo = await runInstaller({ PITR_CACHE: cache, PATH: pathOf(join(dir, 'no-sudo'), BASICS, notRoot) });
  assert.equal(noSudo.code, 1);
  assert.match(
    noSudo.stderr,
    /needs root, and sudo is not installed: run this as root, or install them first: apt-get install zstd mariadb-backup/,
  );
  const askingSudo = await runInstaller({ PITR_CACHE: cache, PATH: pathOf(join(dir, 'asking'), BASICS, { ...notRoot, sudo: 'exit 1' }) });
  assert.equal(askingSudo.code, 1);
  assert.match(askingSudo.stderr, /sudo asks for a password: give this user passwordless sudo/);
});

test('the installer without a Debian mirror in /etc/apt says to set PITR_DEBIAN_MIRROR', async (t) => {
  const cache = cacheWithGoToolsBuilt();
  t.after(() => rmSync(cache, { recursive: true, force: true }));
  // A sed that finds nothing stands in for an /etc/apt without a Debian mirror; the Debian packages count as installed.
  const bin = pathOf(join(scratch(t, 'pitr-nomirror-'), 'bin'), BASICS, { sed: 'exit 0', dpkg: 'exit 0' });
  const { code, stderr } = await runInstaller({ PITR_CACHE: cache, PATH: bin, PITR_DEBIAN_MIRROR: '' });
  assert.equal(code, 1);
  assert.match(stderr, /no Debian mirror found in \/etc\/apt .* set PITR_DEBIAN_MIRROR \(e\.g\. PITR_DEBIAN_MIRROR=http/);
});

test('the installer names a failed MySQL package download and stops the Go builds it started', async (t) => {
  const dir = scratch(t, 'pitr-nodownload-');
  const goPids = join(dir, 'go.pids');
  const bin = pathOf(join(dir, 'bin'), [], { go: `echo $$ >>${goPids}\nexec sleep 300` });
  const { code, stderr } = await runInstaller({
    PITR_CACHE: join(dir, 'cache'),
    PATH: `${bin}:${process.env.PATH}`,
    PITR_DEBIAN_MIRROR: 'http://127.0.0.1:9/debian',
  });
  assert.equal(code, 1);
  assert.match(stderr, /downloading MySQL 9\.7 packages from Debian sid failed \(log: .*fetch\.log\)/);
  const builds = readFileSync(goPids, 'utf8').trim().split('\n').map(Number);
  assert.equal(builds.length, 2, 'both Go builds had started');
  const deadline = Date.now() + 5000;
  while (builds.some((pid) => processStartTime(pid) !== undefined) && Date.now() < deadline) await sleep(100);
  for (const pid of builds) assert.equal(processStartTime(pid), undefined, `go build ${pid} still runs`);
});

test('the installer names the MySQL tools a changed package no longer ships', async (t) => {
  const cache = cacheWithGoToolsBuilt();
  t.after(() => rmSync(cache, { recursive: true, force: true }));
  const dir = scratch(t, 'pitr-split-');
  // A MySQL package without mysqlbinlog and the clone plugin, served by an apt-get that only "downloads" it.
  const pkg = join(dir, 'pkg');
  mkdirSync(join(pkg, 'DEBIAN'), { recursive: true });
  writeFileSync(
    join(pkg, 'DEBIAN', 'control'),
    'Package: mysql-server-core\nVersion: 9.7.0-1\nArchitecture: amd64\nMaintainer: test <t@example.org>\nDescription: test\n',
  );
  for (const file of ['usr/sbin/mysqld', 'usr/bin/mysql', 'usr/bin/mysqldump']) {
    mkdirSync(join(pkg, file, '..'), { recursive: true });
    writeFileSync(join(pkg, file), '#!/bin/sh\n');
    chmodSync(join(pkg, file), 0o755);
  }
  const deb = join(dir, 'mysql-server-core.deb');
  execFileSync('dpkg-deb', ['--build', '--root-owner-group', pkg, deb], { stdio: 'ignore' });
  const bin = pathOf(join(dir, 'bin'), [], {
    'apt-get': `for a in "$@"; do case $a in Dir::Cache::archives=*) cp ${deb} "\${a#*=}/";; esac; done`,
  });
  const { code, stderr } = await runInstaller({
    PITR_CACHE: cache,
    PATH: `${bin}:${process.env.PATH}`,
    PITR_DEBIAN_MIRROR: 'http://127.0.0.1:9/debian',
  });
  assert.equal(code, 1);
  assert.match(
    stderr,
    /lack usr\/bin\/mysqlbinlog usr\/lib\/mysql\/plugin\/mysql_clone\.so \(unpacked in .*\); the packages may have been renamed or split/,
  );
});

test('pitr before a build says to run npm run build', async (t) => {
  const checkout = scratch(t, 'pitr-unbuilt-');
  mkdirSync(join(checkout, 'bin'));
  cpSync(join(repoRoot, 'bin', 'pitr'), join(checkout, 'bin', 'pitr'));
  const run = spawnSync(process.execPath, [join(checkout, 'bin', 'pitr'), 'dev', 'up'], { encoding: 'utf8' });
  assert.equal(run.status, 1);
  assert.match(run.stderr, /this checkout is not built yet\.\n {2}what to do: run `npm run build`/);
  assert.doesNotMatch(run.stderr, /Cannot find module/);
});
