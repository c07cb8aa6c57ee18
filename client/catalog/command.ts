import { Command } from 'commander';
import { migrateCatalog } from '../../adapters/catalog/migrate';
import { resolveSecret } from '../../adapters/config/config';
import { loadCliConfig } from '../config';

export function catalogCommand(): Command {
  const catalog = new Command('catalog').description('the PostgreSQL catalog');
  catalog
    .command('migrate')
    .description('apply pending catalog migrations (safe to run from several places at once)')
    .option('--config <file>', 'central configuration file')
    .action(async (options: { config?: string }) => {
      const applied = await migrateCatalog(resolveSecret(loadCliConfig(options.config).catalogUrl));
      process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'catalog is up to date\n');
    });
  return catalog;
}
