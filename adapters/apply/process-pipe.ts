import { spawn, type ChildProcess } from 'node:child_process';
import { pipeline } from 'node:stream/promises';
import { ApplyAbortedError, ApplyFailedError } from './errors';

const STDERR_KEPT_BYTES = 16 * 1024;

export interface PipeCommand {
  /** Name in errors, e.g. `mysqlbinlog`. */
  tool: string;
  argv: string[];
}

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

function run(child: ChildProcess): Promise<Finished> {
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_KEPT_BYTES);
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stderr: stderr.trim() }));
  });
}

function stopGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    child.kill('SIGTERM');
  }
}

function failure(command: PipeCommand, finished: Finished): string {
  const how = finished.signal ? `was killed by ${finished.signal}` : `exited with code ${finished.code}`;
  return `${command.tool} ${how}${finished.stderr ? `: ${finished.stderr}` : ''}`;
}

/**
 * Runs `producer | consumer`, counting the bytes between them through `onBytes`, and waits
 * for both. Either one failing throws ApplyFailedError with the stderr tail of each that
 * failed, the consumer's first: when the consumer stops on an error, the producer is stopped.
 */
export async function runPipe(
  producer: PipeCommand,
  consumer: PipeCommand,
  onBytes: (bytes: number) => void,
  signal: AbortSignal,
): Promise<void> {
  if (signal.aborted) throw new ApplyAbortedError();
  const [producerCommand, ...producerArgs] = producer.argv as [string, ...string[]];
  const [consumerCommand, ...consumerArgs] = consumer.argv as [string, ...string[]];
  // Each in a process group of its own, so stopping it stops whatever a wrapper script started too.
  const from = spawn(producerCommand, producerArgs, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const to = spawn(consumerCommand, consumerArgs, { stdio: ['pipe', 'ignore', 'pipe'], detached: true });
  const kill = (): void => {
    stopGroup(from);
    stopGroup(to);
  };
  signal.addEventListener('abort', kill, { once: true });
  from.stdout.on('data', (chunk: Buffer) => onBytes(chunk.length));
  const streamed = pipeline(from.stdout, to.stdin).catch(() => undefined);
  try {
    const [produced, consumed] = await Promise.all([run(from), run(to).finally(() => stopGroup(from)), streamed]);
    if (signal.aborted) throw new ApplyAbortedError();
    // A producer we killed because the consumer had stopped has nothing to add.
    const errors = [
      consumed.code !== 0 ? failure(consumer, consumed) : '',
      produced.code !== 0 && produced.signal === null ? failure(producer, produced) : '',
    ];
    const message = errors.filter((e) => e !== '').join('\n');
    if (message !== '') throw new ApplyFailedError(`replaying binlogs through ${producer.tool} | ${consumer.tool} failed`, message);
  } catch (err) {
    kill();
    throw err;
  } finally {
    signal.removeEventListener('abort', kill);
  }
}
