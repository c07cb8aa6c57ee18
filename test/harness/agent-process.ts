import { ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

const cli = resolve(__dirname, '../../client/cli.js');

/**
 * `pitr agent` as its own process, so a test can kill it like a crashed host. Use it through
 * `withAgentHost`, which kills whatever process is current when the test ends, passed or
 * failed: a live child keeps the test file's process, and so the whole run, from exiting.
 */
export class AgentHost {
  private process: ChildProcess;

  constructor(private readonly configFile: string) {
    this.process = spawnAgent(configFile);
  }

  /** SIGKILL, as a host crash would: no shutdown, no cleanup; resolves once the process is gone. */
  async crash(): Promise<void> {
    const agent = this.process;
    if (agent.exitCode !== null || agent.signalCode !== null) return;
    const exited = new Promise((r) => agent.once('exit', r));
    agent.kill('SIGKILL');
    await exited;
  }

  /** The host comes back: a new agent process on the same configuration. */
  async restart(): Promise<void> {
    await this.crash();
    this.process = spawnAgent(this.configFile);
  }
}

export async function withAgentHost<T>(configFile: string, use: (host: AgentHost) => Promise<T>): Promise<T> {
  const host = new AgentHost(configFile);
  try {
    return await use(host);
  } finally {
    await host.crash();
  }
}

function spawnAgent(configFile: string): ChildProcess {
  return spawn(process.execPath, [cli, 'agent', '--config', configFile], { stdio: 'ignore', env: { ...process.env } });
}
