import { Command } from 'commander';
import { loadCliConfig, printJsonOr, withCatalog, withTemporal } from '../config';
import { clusterStatus, formatStatus } from './cluster-status';

export function statusCommand(): Command {
  return new Command('status')
    .description(
      'last backup, archive RPO, gaps and last pass (with its error), last restore, and any running or stuck workflow of a cluster',
    )
    .requiredOption('--tenant <id>')
    .requiredOption('--cluster <id>')
    .option('--json')
    .option('--config <file>', 'central configuration file')
    .action(async (o: { tenant: string; cluster: string; json?: boolean; config?: string }) => {
      const config = loadCliConfig(o.config);
      const status = await withCatalog(config, (catalog) =>
        withTemporal(config, (client) => clusterStatus(catalog, client, o.tenant, o.cluster)),
      );
      printJsonOr(o.json, status, formatStatus);
    });
}
