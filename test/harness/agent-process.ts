import { ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

const cli = resolve(__dirname, '../../client/cli.js');

/** `pitr agent` as its own process, so a test can kill it like a crashed host. */
export function startAgentProcess(configFile: string): ChildProcess {
  return spawn(process.execPath, [cli, 'agent', '--config', configFile], { stdio: 'ignore', env: { ...process.env } });
}

/** SIGKILL, as a host crash would: no shutdown, no cleanup; resolves once the process is gone. */
export async function killAgentProcess(agent: ChildProcess): Promise<void> {
  if (agent.exitCode !== null || agent.signalCode !== null) return;
  const exited = new Promise((r) => agent.once('exit', r));
  agent.kill('SIGKILL');
  await exited;
}
