import { Command } from 'commander';
import { listClusters, parseCluster, upsertCluster } from '../../activities/catalog/clusters';
import { loadCliConfig, printJsonOr, withCatalog } from '../config';

export function clusterCommand(): Command {
  const cluster = new Command('cluster').description('clusters the product backs up');
  cluster
    .command('add')
    .description('register a cluster (or update its settings)')
    .requiredOption('--tenant <id>')
    .requiredOption('--cluster <id>')
    .requiredOption('--flavor <mysql|mariadb>')
    .requiredOption('--engine <engine>', 'default engine: clone, mysqldump, xtrabackup, mariadb-backup, mariadb-dump')
    .option('--tier <tier>', 'compliance tier', 'standard')
    .option('--rpo <seconds>', 'recovery point objective: the archive rotates binlogs older than this', '300')
    .option('--config <file>', 'central configuration file')
    .action(async (o: { tenant: string; cluster: string; flavor: string; engine: string; tier: string; rpo: string; config?: string }) => {
      const c = parseCluster({
        tenantId: o.tenant,
        clusterId: o.cluster,
        flavor: o.flavor,
        defaultEngine: o.engine,
        complianceTier: o.tier,
        rpoSeconds: Number(o.rpo),
      });
      await withCatalog(loadCliConfig(o.config), (catalog) => upsertCluster(catalog, c));
      process.stdout.write(`registered ${c.tenantId}/${c.clusterId} (${c.flavor}, ${c.defaultEngine}, tier ${c.complianceTier})\n`);
    });
  cluster
    .command('list')
    .requiredOption('--tenant <id>')
    .option('--json')
    .option('--config <file>', 'central configuration file')
    .action(async (o: { tenant: string; json?: boolean; config?: string }) => {
      const clusters = await withCatalog(loadCliConfig(o.config), (catalog) => listClusters(catalog, o.tenant));
      printJsonOr(o.json, clusters, (cs) => cs.map((c) => `${c.clusterId}\t${c.flavor}\t${c.defaultEngine}\t${c.complianceTier}`).join('\n'));
    });
  return cluster;
}
