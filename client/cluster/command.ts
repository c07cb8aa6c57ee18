import { Command } from 'commander';
import { listClusters, parseCluster, upsertCluster } from '../../adapters/catalog/clusters';
import { loadRetentionState, setRetentionOverrides } from '../../adapters/catalog/retention';
import { describePolicy, parseRetentionOverrides } from '../../domain/retention/policy';
import { agentGrants } from '../../adapters/engines/grants';
import { assertEngineName } from '../../adapters/engines/run-backup';
import { InvalidInputError } from '../../domain/errors';
import { loadCliConfig, printJsonOr, withCatalog } from '../config';

interface ClusterAddOptions {
  tenant: string;
  cluster: string;
  flavor: string;
  engine: string;
  tier: string;
  rpo: string;
  archive: string;
  config?: string;
}

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
    .option(
      '--archive <files|stream>',
      "where the archive reads binlogs: the server's binlog folder on the agent's host (files), or a stream over the replication protocol (stream; start it with `pitr binlogs stream`)",
      'files',
    )
    .option('--config <file>', 'central configuration file')
    .action(async (o: ClusterAddOptions) => {
      const c = parseCluster({
        tenantId: o.tenant,
        clusterId: o.cluster,
        flavor: o.flavor,
        defaultEngine: o.engine,
        complianceTier: o.tier,
        rpoSeconds: Number(o.rpo),
        archiveSource: o.archive,
      });
      await withCatalog(loadCliConfig(o.config), (catalog) => upsertCluster(catalog, c));
      process.stdout.write(
        `registered ${c.tenantId}/${c.clusterId} (${c.flavor}, ${c.defaultEngine}, tier ${c.complianceTier}, archive from ${c.archiveSource})\n`,
      );
    });
  cluster
    .command('grants')
    .description("print the CREATE USER and GRANT statements for the agent's least-privilege account on a source")
    .requiredOption('--flavor <mysql|mariadb>')
    .requiredOption('--engine <engine>', 'the engine its backups use')
    .option('--archive', 'the agent also archives the binlogs of this source')
    .option('--user <name>', 'account name', 'pitr_agent')
    .option('--host <host>', "account host ('%' for any, or the agent's address)", '%')
    .action((o: { flavor: string; engine: string; archive?: boolean; user: string; host: string }) => {
      assertEngineName(o.engine);
      if (o.flavor !== 'mysql' && o.flavor !== 'mariadb') {
        throw new InvalidInputError(`--flavor ${JSON.stringify(o.flavor)} is neither mysql nor mariadb`, {
          hint: 'write --flavor mysql or --flavor mariadb',
        });
      }
      process.stdout.write(
        `${agentGrants({ flavor: o.flavor, engine: o.engine, archive: o.archive === true, user: o.user, host: o.host })}\n`,
      );
    });
  cluster
    .command('list')
    .requiredOption('--tenant <id>')
    .option('--json')
    .option('--config <file>', 'central configuration file')
    .action(async (o: { tenant: string; json?: boolean; config?: string }) => {
      const clusters = await withCatalog(loadCliConfig(o.config), (catalog) => listClusters(catalog, o.tenant));
      printJsonOr(o.json, clusters, (cs) =>
        cs.map((c) => `${c.clusterId}\t${c.flavor}\t${c.defaultEngine}\t${c.complianceTier}\tarchive from ${c.archiveSource}`).join('\n'),
      );
    });
  cluster
    .command('retention')
    .description("show a cluster's retention policy, or set its own rules (a rule left out keeps its setting; unset rules follow the tier)")
    .requiredOption('--tenant <id>')
    .requiredOption('--cluster <id>')
    .option('--keep-backups <n>', "keep at least the n newest completed base backups ('tier': the tier's default)")
    .option('--keep-days <d>', "keep every completed base backup younger than d days (0: no age rule; 'tier': the tier's default)")
    .option('--json')
    .option('--config <file>', 'central configuration file')
    .action(async (o: { tenant: string; cluster: string; keepBackups?: string; keepDays?: string; json?: boolean; config?: string }) => {
      const overrides = parseRetentionOverrides(o);
      const state = await withCatalog(loadCliConfig(o.config), async (catalog) => {
        if (Object.keys(overrides).length > 0) await setRetentionOverrides(catalog, o.tenant, o.cluster, overrides);
        return loadRetentionState(catalog, o.tenant, o.cluster);
      });
      const shown = {
        tenantId: o.tenant,
        clusterId: o.cluster,
        tier: state.cluster.complianceTier,
        ...state.cluster.overrides,
        policy: state.input.policy,
      };
      printJsonOr(o.json, shown, (s) => `${s.tenantId}/${s.clusterId} (tier ${s.tier}): ${describePolicy(s.policy)}`);
    });
  return cluster;
}
