import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { testStack } from './env';

const cli = resolve(__dirname, '../../client/cli.js');

/**
 * A `pitr` process of its own (an agent, a central worker), so a test can kill it like a
 * crashed host. Use it through `withAgentHost` or `withCentralWorkerHost`, which kill whatever
 * process is current when the test ends, passed or failed: a live child keeps the test file's
 * process, and so the whole run, from exiting.
 */
export class PitrHost {
  private process: ChildProcess;
  private crashing = false;
  /** What the process printed, all its lives. */
  readonly logFile: string;
  /** Rejects when the process exits without the test having killed it. */
  readonly died: Promise<never>;
  private diedWith!: (err: Error) => void;

  constructor(
    private readonly argv: string[],
    private readonly env: Record<string, string> = {},
  ) {
    this.logFile = join(testStack().stateDir, `${argv[0]}-${process.pid}-${Date.now()}.log`);
    this.died = new Promise<never>((_, reject) => (this.diedWith = reject));
    this.died.catch(() => undefined);
    this.process = this.spawn();
  }

  /** SIGKILL, as a host crash would: no shutdown, no cleanup; resolves once the process is gone. */
  async crash(): Promise<void> {
    const running = this.process;
    if (running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((r) => running.once('exit', r));
    this.crashing = true;
    running.kill('SIGKILL');
    await exited;
    this.crashing = false;
  }

  /** The host comes back: a new process with the same command line. */
  async restart(): Promise<void> {
    await this.crash();
    this.process = this.spawn();
  }

  private spawn(): ChildProcess {
    const log = openSync(this.logFile, 'a');
    const child = spawn(process.execPath, [cli, ...this.argv], { stdio: ['ignore', log, log], env: { ...process.env, ...this.env } });
    closeSync(log);
    child.once('exit', (code, signal) => {
      if (this.crashing) return;
      const tail = readFileSync(this.logFile, 'utf8').split('\n').slice(-40).join('\n');
      this.diedWith(
        new Error(`pitr ${this.argv.join(' ')} exited on its own (${signal ?? `code ${code}`}); the end of its output:\n${tail}`),
      );
    });
    return child;
  }
}

/** Runs `use`, failing at once (with the host's output) if the host dies on its own meanwhile. */
async function withHost<T>(host: PitrHost, use: (host: PitrHost) => Promise<T>): Promise<T> {
  try {
    return await Promise.race([use(host), host.died]);
  } finally {
    await host.crash();
  }
}

/** `pitr agent --config configFile`. */
export function withAgentHost<T>(configFile: string, use: (host: PitrHost) => Promise<T>): Promise<T> {
  return withHost(new PitrHost(['agent', '--config', configFile]), use);
}

/**
 * `pitr worker` on the test stack's central configuration. A test file using it starts no
 * in-process central workers: this process must be the one that takes the central queue's tasks.
 */
export function withCentralWorkerHost<T>(use: (host: PitrHost) => Promise<T>): Promise<T> {
  return withHost(new PitrHost(['worker'], { PITR_CONFIG: testStack().configs.central }), use);
}

/**
 * `pitr worker --queue restore` for each configuration: restore hosts of their own, each with its
 * folder (`restoreHost.dir`), as on separate machines.
 */
export async function withRestoreHosts<T>(configFiles: string[], use: (hosts: PitrHost[]) => Promise<T>): Promise<T> {
  const hosts = configFiles.map((file) => new PitrHost(['worker', '--queue', 'restore', '--config', file]));
  try {
    return await Promise.race([use(hosts), ...hosts.map((h) => h.died)]);
  } finally {
    await Promise.all(hosts.map((h) => h.crash()));
  }
}
