import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createServer, connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { PitrError } from '../../domain/errors';

export class ServiceStartError extends PitrError {}

export class PortInUseError extends PitrError {
  constructor(service: string, port: number) {
    super(`port ${port} for ${service} is already in use by another process`, {
      hint:
        `stop whatever listens on 127.0.0.1:${port} (\`ss -ltnp 'sport = :${port}'\` shows it), or choose other ports: ` +
        '`pitr dev up --port-base N` (or PITR_DEV_PORT_BASE=N) puts the local stack on N..N+5',
    });
  }
}

export interface DaemonSpec {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  logFile: string;
  pidFile: string;
}

/**
 * The kernel's start time of `pid` (field 22 of /proc/<pid>/stat, in clock ticks since boot),
 * or undefined when no such process runs. With the pid it names one process for good: a pid
 * reused after a reboot or a wrap-around has another start time.
 */
export function processStartTime(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces: count from after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  const startTime = fields[19];
  return state === 'Z' || state === 'X' ? undefined : startTime;
}

/** Records `pid` with its start time, for `stopByPidFile` to stop that very process later; false when it is gone already. */
export function writePidFile(pidFile: string, pid: number): boolean {
  const startTime = processStartTime(pid);
  if (startTime === undefined) return false;
  writeFileSync(pidFile, `${pid} ${startTime}\n`);
  return true;
}

/** Starts a long-running server detached from this process, its output in `logFile`. */
export function spawnDaemon(spec: DaemonSpec): number {
  const out = openSync(spec.logFile, 'a');
  try {
    const child = spawn(spec.command, spec.args, {
      detached: true,
      stdio: ['ignore', out, out],
      env: { ...process.env, ...spec.env },
    });
    if (child.pid === undefined || !writePidFile(spec.pidFile, child.pid)) {
      throw new ServiceStartError(`${spec.name} could not be started: ${spec.command}`, { hint: `read ${spec.logFile}` });
    }
    child.unref();
    return child.pid;
  } finally {
    closeSync(out);
  }
}

interface PidRecord {
  pid: number;
  startTime: string;
}

function readPidRecord(pidFile: string): PidRecord | undefined {
  if (!existsSync(pidFile)) return undefined;
  const [pid, startTime] = readFileSync(pidFile, 'utf8').trim().split(/\s+/);
  const n = Number.parseInt(pid ?? '', 10);
  if (!Number.isInteger(n) || n <= 0) return undefined;
  if (startTime) return { pid: n, startTime };
  // A pid file from before start times were recorded (a stack still running across an upgrade):
  // ours only if its command line names the pid file's folder (a datadir, MinIO's data, temporal.db).
  const legacyStart = processStartTime(n);
  return legacyStart !== undefined && commandLine(n).includes(dirname(pidFile)) ? { pid: n, startTime: legacyStart } : undefined;
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

const isRunning = (record: PidRecord): boolean => processStartTime(record.pid) === record.startTime;

/**
 * The pid recorded in `pidFile` when that very process still runs; undefined when the file is
 * missing, has no start time, or names a process started at another time (a reused pid).
 */
export function runningPid(pidFile: string): number | undefined {
  const record = readPidRecord(pidFile);
  return record && isRunning(record) ? record.pid : undefined;
}

/**
 * Stops the process (group) recorded in `pidFile`: TERM, then KILL after `graceMs`. A pid that
 * is no longer the recorded process is left alone. Returns whether a process was stopped.
 */
export async function stopByPidFile(pidFile: string, graceMs = 20_000): Promise<boolean> {
  const record = readPidRecord(pidFile);
  const ours = record !== undefined && isRunning(record);
  if (ours) {
    const { pid } = record;
    const signal = (sig: NodeJS.Signals): void => {
      for (const target of [-pid, pid]) {
        try {
          process.kill(target, sig);
        } catch {
          /* already gone */
        }
      }
    };
    signal('SIGTERM');
    const deadline = Date.now() + graceMs;
    while (isRunning(record) && Date.now() < deadline) await sleep(100);
    if (isRunning(record)) signal('SIGKILL');
    while (isRunning(record)) await sleep(50);
  }
  rmSync(pidFile, { force: true });
  return ours;
}

/** Every `*.pid` file under `dir`, at any depth. */
export function pidFilesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((entry) => basename(entry).endsWith('.pid'))
    .map((entry) => join(dir, entry));
}

/** Stops every process recorded by a pid file under `dir` (stack services, instances, restored servers). */
export async function stopEveryPidFileUnder(dir: string): Promise<void> {
  await Promise.all(pidFilesUnder(dir).map((pidFile) => stopByPidFile(pidFile, 60_000)));
}

export function tcpOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.setTimeout(1000, () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** A port the OS reports free right now on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Polls `ready` until it resolves true; fails early, with the log's tail, when the
 * process dies, and after `timeoutMs` otherwise.
 */
export async function waitUntilReady(
  name: string,
  pid: number,
  logFile: string,
  ready: () => Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await ready().catch(() => false)) return;
    if (processStartTime(pid) === undefined) {
      throw new ServiceStartError(`${name} exited during start-up:\n${logTail(logFile)}`, {
        hint: `read ${logFile} for the full log`,
      });
    }
    await sleep(200);
  }
  throw new ServiceStartError(`${name} did not become ready within ${timeoutMs / 1000}s:\n${logTail(logFile)}`, {
    hint: `read ${logFile} for the full log`,
  });
}

export function logTail(logFile: string, lines = 15): string {
  if (!existsSync(logFile)) return '(no log)';
  return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}
