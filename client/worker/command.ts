import { Command } from 'commander';
import type { Server } from 'node:http';
import { startMetricsServer } from '../../workers/metrics-server';
import { loadAgentConfig } from '../../adapters/config/config';
import { InvalidInputError } from '../../domain/errors';
import { checkAgentHost } from '../../workers/agent-start-checks';
import { startAgentWorker } from '../../workers/agent-worker';
import { type CentralQueue, startCentralWorkers } from '../../workers/central-worker';
import type { RunningWorkers } from '../../workers/create-worker';
import { loadCliConfig } from '../config';

/**
 * `--metrics HOST:PORT` serves Prometheus metrics there; the SDK exports its own on the next
 * port, and the server folds them into the same page. Must run before the first worker starts.
 */
async function serveMetrics(address: string | undefined): Promise<Server | undefined> {
  if (!address) return undefined;
  const match = /^(.+):(\d+)$/.exec(address);
  if (!match) throw new InvalidInputError(`--metrics ${address} is not HOST:PORT`, { hint: 'e.g. --metrics 0.0.0.0:9464' });
  const [, host, port] = match as unknown as [string, string, string];
  const sdkAddress = `${host === '0.0.0.0' ? '127.0.0.1' : host}:${Number(port) + 1}`;
  process.env.PITR_SDK_METRICS_ADDRESS = sdkAddress;
  return startMetricsServer(host, Number(port), sdkAddress);
}

async function runUntilSignalled(running: RunningWorkers, what: string, metrics: Server | undefined): Promise<void> {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => running.shutdown());
  process.stderr.write(`${what} running; Ctrl-C stops it after in-flight activities finish\n`);
  try {
    await running.run();
  } finally {
    await running.close();
    metrics?.close();
  }
}

export function workerCommand(): Command {
  return new Command('worker')
    .description('run the central worker (workflows, catalog and storage activities, verification)')
    .option('--config <file>', 'central configuration file')
    .option(
      '--queue <queue...>',
      'any of central, verify, restore (restore makes this a restore host: it needs the MySQL/MariaDB binaries, see restoreHost in the configuration)',
      ['central', 'verify', 'restore'],
    )
    .option('--metrics <host:port>', 'serve Prometheus metrics (the product’s and the SDK’s) at http://HOST:PORT/metrics')
    .action(async (o: { config?: string; queue: CentralQueue[]; metrics?: string }) => {
      const metrics = await serveMetrics(o.metrics);
      const running = await startCentralWorkers(loadCliConfig(o.config), o.queue);
      await runUntilSignalled(running, `central worker (${o.queue.join(', ')})`, metrics);
    });
}

export function agentCommand(): Command {
  return new Command('agent')
    .description("run the agent on a database host: its cluster's backup and archive activities")
    .requiredOption('--config <file>', 'agent configuration file (holds the database credentials)')
    .option('--cluster <id>', 'refuse to start unless the configuration is for this cluster')
    .option('--metrics <host:port>', 'serve Prometheus metrics at http://HOST:PORT/metrics')
    .action(async (o: { config: string; cluster?: string; metrics?: string }) => {
      const config = loadAgentConfig(o.config);
      if (o.cluster && o.cluster !== config.clusterId) {
        throw new InvalidInputError(`--cluster ${o.cluster} does not match the configuration's cluster ${config.clusterId}`);
      }
      // A binlog folder the configuration leaves out is the server's own, as it names it now.
      const checked = await checkAgentHost(config, o.config);
      const metrics = await serveMetrics(o.metrics);
      await runUntilSignalled(await startAgentWorker(checked), `agent for ${config.tenantId}/${config.clusterId}`, metrics);
    });
}
