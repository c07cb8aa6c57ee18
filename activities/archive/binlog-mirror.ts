import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { inBinlogOrder, isBinlogName, newestBinlogName } from '../../domain/archive/binlog-names';
import {
  archivedMirrorFiles,
  type MirroredSizes,
  namesWentBack,
  streamServerId,
  streamShortfall,
  streamStartFile,
} from '../../domain/archive/stream-mirror';
import type { ArchivedFile, ArchiveRef, ServerBinlog, StreamFollowed } from '../../domain/archive/types';
import type { AgentConfig } from '../../adapters/config/config';
import { withDatabase } from '../../adapters/db/connect';
import { withDefaultsFile } from '../../adapters/engines/defaults-file';
import { EngineAbortedError, EngineFailedError } from '../../adapters/engines/errors';
import { agentConnection } from '../../adapters/engines/sql-connection';
import { runTool } from '../../adapters/engines/tool-process';
import { stopEveryPidFileUnder, writePidFile } from '../../adapters/servers/process';
import { toolchain } from '../../adapters/servers/toolchain';
import { startArrivalClock } from './arrival-clock';
import { BinlogsResetError, BinlogStreamFileGoneError, BinlogStreamStalledError } from './errors';
import { listBinlogs, serverIdentity } from './survey';

/** The folder of the mirrors in the agent's staging folder, one per server followed. */
const MIRRORS_DIR = 'binlog-stream';

/** Names the receiver running for a mirror, beside its files. */
export const RECEIVER_PID_FILE = 'receiver.pid';

/** The agent's copy of one server's binlogs, as the stream receives them. */
export function binlogMirrorDir(config: AgentConfig, serverKey: string): string {
  return join(config.stagingDir, MIRRORS_DIR, serverKey);
}

/** The agent's settings with the mirror of `serverKey` where the archive reads binlogs. */
export function readingStream(config: AgentConfig, serverKey: string): AgentConfig {
  return { ...config, database: { ...config.database, binlogDir: binlogMirrorDir(config, serverKey) } };
}

/** The size of every binlog in the folder `config` reads binlogs from. */
export function mirroredSizes(config: AgentConfig): Map<string, number> {
  const dir = config.database.binlogDir!;
  const sizes = new Map<string, number>();
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return sizes;
    throw err;
  }
  for (const name of names.filter(isBinlogName)) {
    try {
      sizes.set(name, statSync(join(dir, name)).size);
    } catch {
      // Removed meanwhile (an archived copy pruned): not held.
    }
  }
  return sizes;
}

/**
 * Touched when a stream attempt starts and every second while it runs: a stream whose attempts
 * fail (its server down) still touches it at every retry.
 */
const ATTEMPT_MARKER = 'attempting';

function touchAttemptMarker(config: AgentConfig): void {
  const root = join(config.stagingDir, MIRRORS_DIR);
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const marker = join(root, ATTEMPT_MARKER);
  const now = new Date();
  try {
    utimesSync(marker, now, now);
  } catch {
    writeFileSync(marker, '');
  }
}

/** Names the server the stream follows now, for the sealer: after a failover, the mirror that grows is another server's. */
const FOLLOWED_SERVER = 'followed-server';

function noteFollowedServer(config: AgentConfig, serverKey: string): void {
  writeFileSync(join(config.stagingDir, MIRRORS_DIR, FOLLOWED_SERVER), serverKey);
}

/** The server the stream follows now; undefined before any stream ran on this agent. */
export function followedServer(config: AgentConfig): string | undefined {
  try {
    return readFileSync(join(config.stagingDir, MIRRORS_DIR, FOLLOWED_SERVER), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** When a stream attempt of this agent last ran, in ms; undefined when none ever did. */
export function streamLastAttempt(config: AgentConfig): number | undefined {
  try {
    return statSync(join(config.stagingDir, MIRRORS_DIR, ATTEMPT_MARKER)).mtimeMs;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Waits up to `timeoutMs` for the mirror to hold `file` whole (a binlog the server just closed). */
export async function mirrorReceived(config: AgentConfig, file: ServerBinlog, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (mirroredSizes(config).get(file.name) === file.sizeBytes) return true;
    if (Date.now() >= deadline) return false;
    await sleep(50);
  }
}

/** How often a stream checks that its mirror grew. */
const GROWTH_CHECK_MS = 1000;

const heldBytes = (sizes: MirroredSizes): number => [...sizes.values()].reduce((sum, size) => sum + size, 0);

/**
 * Watches the mirror until `stop` aborts; when it has not grown for `stallMs`, compares it with
 * the server over a fresh connection. A server ahead of it means the receiver's connection is
 * dead without having closed (no error reaches the tool, which would wait forever): returns
 * why, after aborting `stop`. So does a server that no fresh connection reaches.
 */
async function watchForStall(
  config: AgentConfig,
  reading: AgentConfig,
  stream: { serverKey: string; startFile: string; stallMs: number },
  stop: AbortController,
): Promise<Error | undefined> {
  let held = heldBytes(mirroredSizes(reading));
  let since = Date.now();
  while (!stop.signal.aborted) {
    await sleep(GROWTH_CHECK_MS, undefined, { signal: stop.signal }).catch(() => undefined);
    if (stop.signal.aborted) return undefined;
    touchAttemptMarker(config);
    const sizes = mirroredSizes(reading);
    const bytes = heldBytes(sizes);
    if (bytes !== held || Date.now() - since < stream.stallMs) {
      if (bytes !== held) [held, since] = [bytes, Date.now()];
      continue;
    }
    let stalled: Error | undefined;
    try {
      const shortfall = streamShortfall(await withDatabase(config.database, listBinlogs), sizes, stream.startFile);
      if (shortfall.bytes > 0) {
        stalled = new BinlogStreamStalledError(
          `the binlog stream of server ${stream.serverKey} received nothing for ${Math.round((Date.now() - since) / 1000)} s while the server wrote ${shortfall.bytes} bytes it lacks (the server is at ${shortfall.serverFile}, ${shortfall.serverBytes} bytes): its replication connection is dead without having closed; the receiver is restarted`,
        );
      }
    } catch (err) {
      stalled = err as Error;
    }
    if (stalled) {
      stop.abort();
      return stalled;
    }
    // Idle and caught up: look again a whole stall period later.
    since = Date.now();
  }
  return undefined;
}

export interface StreamProgress {
  serverKey: string;
  file: string;
  bytes: number;
}

/**
 * Follows the cluster's server over the replication protocol for `runForMs`, as a replica
 * does, writing what it sends into the mirror: `mysqlbinlog` (or `mariadb-binlog`)
 * `--read-from-remote-server --raw --stop-never`, which writes each event as it arrives, under
 * the server's own file names. It asks for the first binlog not yet archived that the mirror
 * lacks whole, so a restarted stream (a killed agent, a server restart, a failover to another
 * server, which gets a mirror of its own) resumes where the archive needs it; copies the
 * archive holds are deleted first. The tool ending on its own (the server went away) fails
 * the run, for Temporal to retry.
 */
export async function followBinlogStream(
  config: AgentConfig,
  input: ArchiveRef & { newestArchived: ArchivedFile | null; runForMs: number },
  report: (progress: StreamProgress) => void,
  signal: AbortSignal,
): Promise<StreamFollowed> {
  touchAttemptMarker(config);
  const { server, files } = await withDatabase(config.database, async (conn) => ({
    server: await serverIdentity(conn, config.database.flavor),
    files: await listBinlogs(conn),
  }));
  const newest = input.newestArchived?.serverKey === server.key ? input.newestArchived.file : undefined;
  const reading = readingStream(config, server.key);
  // What the mirror received is as far as the archive got, or further (a retried attempt keeps its first input).
  const received = newestBinlogName([...mirroredSizes(reading).keys(), ...(newest ? [newest] : [])]);
  if (namesWentBack(files, received)) {
    const listed = inBinlogOrder(files).map((f) => f.name);
    const names = listed.length <= 1 ? (listed[0] ?? 'no binlog') : `${listed[0]} … ${listed.at(-1)}`;
    throw new BinlogsResetError(
      `server ${server.key} lists ${names}, all numbered before ${received}, the newest binlog the stream received of it`,
    );
  }
  const dir = reading.database.binlogDir!;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  noteFollowedServer(config, server.key);
  // A receiver left running by a killed agent would write into the files this one rewrites
  // (or follow the server the cluster failed over from).
  await stopEveryPidFileUnder(join(config.stagingDir, MIRRORS_DIR));
  const receiverPidFile = join(dir, RECEIVER_PID_FILE);
  for (const name of archivedMirrorFiles(mirroredSizes(reading), newest)) rmSync(join(dir, name), { force: true });
  const startFile = streamStartFile(files, mirroredSizes(reading), newest);

  const newestHeld = (sizes: MirroredSizes): StreamProgress => {
    const file = newestBinlogName(sizes.keys()) ?? startFile;
    return { serverKey: server.key, file, bytes: sizes.get(file) ?? 0 };
  };
  const progress = setInterval(() => report(newestHeld(mirroredSizes(reading))), 1000);
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), input.runForMs);
  const onAbort = (): void => stop.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  const mysql = config.database.flavor === 'mysql';
  const tools = toolchain();
  const serverId = streamServerId(config.database.streamServerId, input.tenantId, input.clusterId);
  const watching = watchForStall(
    config,
    reading,
    { serverKey: server.key, startFile, stallMs: config.database.streamStallSeconds * 1000 },
    stop,
  );
  // MariaDB's binlog dates commits in whole seconds: when they arrive splits a second.
  const serverEnd = inBinlogOrder(files).pop();
  if (!mysql && serverEnd !== undefined) startArrivalClock(dir, { file: serverEnd.name, size: serverEnd.sizeBytes }, stop.signal);
  let stalled: Error | undefined;
  try {
    await withDefaultsFile(agentConnection(config.database), (defaultsFile) =>
      runTool({
        tool: mysql ? 'mysqlbinlog' : 'mariadb-binlog',
        argv: [
          mysql ? tools.mysqlbinlog : tools.mariadbBinlog,
          `--defaults-file=${defaultsFile}`,
          '--read-from-remote-server',
          '--raw',
          '--stop-never',
          mysql ? `--connection-server-id=${serverId}` : `--stop-never-slave-server-id=${serverId}`,
          `--result-file=${dir}/`,
          startFile,
        ],
        signal: stop.signal,
        onSpawn: (pid) => writePidFile(receiverPidFile, pid),
      }),
    );
  } catch (err) {
    // What a server answers when the file its dump thread reads was removed, or removed and created again (a reset).
    if (err instanceof EngineFailedError && /could not find next log|I\/O error reading log event/i.test(err.lastOutput)) {
      throw new BinlogStreamFileGoneError(
        `server ${server.key} could no longer read the binlog the stream was reading: ${err.lastOutput.trim()}`,
      );
    }
    // Stopped by this run's own clock, or by the watch (which says why below): not the tool's failure.
    if (!(err instanceof EngineAbortedError) || signal.aborted) throw err;
  } finally {
    stop.abort();
    stalled = await watching;
    rmSync(receiverPidFile, { force: true });
    clearInterval(progress);
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  }
  if (stalled) throw stalled;
  const last = newestHeld(mirroredSizes(reading));
  return { serverKey: server.key, startFile, lastFile: last.file, lastFileBytes: last.bytes };
}
