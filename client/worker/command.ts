import { Command } from 'commander';
import { loadAgentConfig } from '../../activities/config/config';
import { InvalidInputError } from '../../domain/errors';
import { startAgentWorker } from '../../workers/agent-worker';
import { CentralQueue, RunningWorkers, startCentralWorkers } from '../../workers/central-worker';
import { loadCliConfig } from '../config';

async function runUntilSignalled(running: RunningWorkers, what: string): Promise<void> {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => running.shutdown());
  process.stderr.write(`${what} running; Ctrl-C stops it after in-flight activities finish\n`);
  try {
    await running.run();
  } finally {
    await running.close();
  }
}

export function workerCommand(): Command {
  return new Command('worker')
    .description('run the central worker (workflows, catalog and storage activities, verification)')
    .option('--config <file>', 'central configuration file')
    .option('--queue <queue...>', 'central and/or verify', ['central', 'verify'])
    .action(async (o: { config?: string; queue: CentralQueue[] }) => {
      const running = await startCentralWorkers(loadCliConfig(o.config), o.queue);
      await runUntilSignalled(running, `central worker (${o.queue.join(', ')})`);
    });
}

export function agentCommand(): Command {
  return new Command('agent')
    .description("run the agent on a database host: its cluster's backup and archive activities")
    .requiredOption('--config <file>', 'agent configuration file (holds the database credentials)')
    .option('--cluster <id>', 'refuse to start unless the configuration is for this cluster')
    .action(async (o: { config: string; cluster?: string }) => {
      const config = loadAgentConfig(o.config);
      if (o.cluster && o.cluster !== config.clusterId) {
        throw new InvalidInputError(`--cluster ${o.cluster} does not match the configuration's cluster ${config.clusterId}`);
      }
      await runUntilSignalled(await startAgentWorker(config), `agent for ${config.tenantId}/${config.clusterId}`);
    });
}
