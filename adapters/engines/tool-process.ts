import { execFile, spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { EngineAbortedError, EngineFailedError } from './errors';
import type { IoPriority } from './types';

const execFileAsync = promisify(execFile);

const STDERR_KEPT_BYTES = 64 * 1024;
const STDERR_REPORTED_LINES = 15;
/** How long a cancelled tool may take to stop on SIGINT before it is killed. */
const ABORT_GRACE_MS = 10_000;

let ioniceCheck: Promise<boolean> | undefined;

/** ionice can be missing, or present but refused (some containers forbid ioprio_set). */
function ioniceUsable(): Promise<boolean> {
  ioniceCheck ??= execFileAsync('ionice', ['-c2', '-n7', 'true']).then(
    () => true,
    () => false,
  );
  return ioniceCheck;
}

/** The command line that runs `command` at idle-ish I/O priority (when ionice works) and lowered CPU priority. */
export async function lowPriority(command: string, args: string[]): Promise<{ argv: string[]; ioPriority: IoPriority }> {
  const niced = ['nice', '-n', '10', command, ...args];
  return (await ioniceUsable())
    ? { argv: ['ionice', '-c2', '-n7', ...niced], ioPriority: 'ionice' }
    : { argv: niced, ioPriority: 'nice-only' };
}

export interface ToolRun {
  /** Name used in errors, e.g. `mysqldump`. */
  tool: string;
  argv: string[];
  stdin?: Readable;
  /** Receives the tool's stdout; without it stdout is discarded. */
  stdout?: Writable;
  signal?: AbortSignal;
  /** Called with the tool's pid once it runs. */
  onSpawn?: (pid: number) => void;
}

/** The last lines of a bounded stderr buffer. */
function tailLines(text: string): string {
  return text.trimEnd().split('\n').slice(-STDERR_REPORTED_LINES).join('\n');
}

/**
 * Runs a tool to completion, streaming its stdin/stdout, and returns its stderr's tail.
 * A non-zero exit throws `EngineFailedError` with that tail; a tool killed by a signal
 * we did not send (e.g. the OOM killer) counts as transient.
 */
export async function runTool(run: ToolRun): Promise<string> {
  if (run.signal?.aborted) throw new EngineAbortedError(run.tool);
  const [command, ...args] = run.argv as [string, ...string[]];
  const child = spawn(command, args, { stdio: [run.stdin ? 'pipe' : 'ignore', run.stdout ? 'pipe' : 'ignore', 'pipe'] });
  if (child.pid !== undefined) run.onSpawn?.(child.pid);
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_KEPT_BYTES);
  });
  let escalation: NodeJS.Timeout | undefined;
  const abort = (): void => {
    // mariadb-backup ignores SIGTERM (checked on 10.11) but stops on SIGINT, as the others do.
    child.kill('SIGINT');
    escalation = setTimeout(() => child.kill('SIGKILL'), ABORT_GRACE_MS);
  };
  run.signal?.addEventListener('abort', abort, { once: true });

  const streams: Promise<void>[] = [];
  if (run.stdin && child.stdin) streams.push(pipeline(run.stdin, child.stdin));
  if (run.stdout && child.stdout) streams.push(pipeline(child.stdout, run.stdout));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  try {
    const [outcome, streamed] = await Promise.all([exit, Promise.allSettled(streams)]);
    if (run.signal?.aborted) throw new EngineAbortedError(run.tool);
    if (outcome.code !== 0) {
      const killedBy = outcome.signal ? `killed by ${outcome.signal}\n` : '';
      throw new EngineFailedError(run.tool, outcome.code, killedBy + tailLines(stderr), outcome.signal ? true : undefined);
    }
    const broken = streamed.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (broken) throw broken.reason;
    return tailLines(stderr);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT' && e.syscall?.startsWith('spawn')) {
      throw new EngineFailedError(run.tool, null, `${command} is not installed (${e.message})`, false);
    }
    throw err;
  } finally {
    clearTimeout(escalation);
    run.signal?.removeEventListener('abort', abort);
  }
}

/** First line a tool prints for `--version` (mariadb-backup prints it on stderr). */
export async function toolVersion(tool: string, command: string): Promise<string> {
  try {
    const { stdout, stderr } = await execFileAsync(command, ['--version']);
    return (stdout.trim() || stderr.trim()).split('\n')[0] ?? '';
  } catch (err) {
    throw new EngineFailedError(tool, null, `${command} --version failed: ${(err as Error).message}`, false);
  }
}
