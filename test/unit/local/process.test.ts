import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { processStartTime, runningPid, spawnDaemon, stopByPidFile, stopEveryPidFileUnder } from '../../../adapters/servers/process';

function scratch(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'pitr-pid-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function sleeper(dir: string, name: string): { pid: number; pidFile: string } {
  mkdirSync(dir, { recursive: true });
  const pidFile = join(dir, name);
  const pid = spawnDaemon({ name, command: 'sleep', args: ['300'], logFile: join(dir, `${name}.log`), pidFile });
  return { pid, pidFile };
}

/** A live process that is not ours: a child of this test, never recorded by `spawnDaemon`. */
function unrelatedProcess(t: { after: (fn: () => void) => void }): number {
  const child = spawn('sleep', ['300'], { stdio: 'ignore' });
  t.after(() => child.kill('SIGKILL'));
  return child.pid!;
}

test('a pid file written at start names its process, which stopByPidFile stops', async (t) => {
  const { pid, pidFile } = sleeper(scratch(t), 'server.pid');
  assert.equal(runningPid(pidFile), pid);
  assert.equal(await stopByPidFile(pidFile), true);
  assert.equal(processStartTime(pid), undefined);
  assert.equal(existsSync(pidFile), false);
});

test('a pid now held by another process (reboot, wrap-around) is neither trusted nor signalled', async (t) => {
  const dir = scratch(t);
  const pid = unrelatedProcess(t);
  const startTime = processStartTime(pid);
  assert.ok(startTime);
  const pidFile = join(dir, 'temporal.pid');
  writeFileSync(pidFile, `${pid} ${Number(startTime) - 1}\n`);
  assert.equal(runningPid(pidFile), undefined);
  assert.equal(await stopByPidFile(pidFile, 500), false);
  assert.equal(processStartTime(pid), startTime, 'the unrelated process still runs');
  assert.equal(existsSync(pidFile), false, 'the stale pid file is cleared');
});

test('a pid file without a start time, from before the upgrade, is trusted for a process run from its folder', (t) => {
  const dir = scratch(t);
  // `$0` puts the folder on the command line, as a server's datadir argument does.
  const server = spawn('bash', ['-c', 'sleep 300; exit', join(dir, 'data')], { stdio: 'ignore' });
  t.after(() => server.kill('SIGKILL'));
  const pidFile = join(dir, 'server.pid');
  writeFileSync(pidFile, `${server.pid}\n`);
  assert.equal(runningPid(pidFile), server.pid);
});

test('a pid file without a start time is not trusted for an unrelated process', async (t) => {
  const dir = scratch(t);
  const pid = unrelatedProcess(t);
  const pidFile = join(dir, 'minio.pid');
  writeFileSync(pidFile, `${pid}\n`);
  assert.equal(runningPid(pidFile), undefined);
  assert.equal(await stopByPidFile(pidFile, 500), false);
  assert.ok(processStartTime(pid));
});

test('every server recorded anywhere under a folder is stopped, restored instances included', async (t) => {
  const dir = scratch(t);
  const servers = [
    sleeper(join(dir, 'temporal'), 'temporal.pid'),
    sleeper(join(dir, 'instances', 'mysql-1'), 'server.pid'),
    sleeper(join(dir, 'restores', 'r-42', 'server'), 'server.pid'),
  ];
  const bystander = unrelatedProcess(t);
  writeFileSync(join(dir, 'stale.pid'), `${bystander} 1\n`);
  await stopEveryPidFileUnder(dir);
  for (const { pid } of servers) assert.equal(processStartTime(pid), undefined, `pid ${pid} still runs`);
  assert.ok(processStartTime(bystander), 'a process not started by us is left alone');
});
