import { Command } from 'commander';
import { loadRecoverability } from '../../activities/archive/recoverable';
import { getCluster } from '../../adapters/catalog/clusters';
import { listArchive, type ArchiveEntry } from '../../adapters/catalog/segments';
import { loadCliConfig, printJsonOr, withCatalog, withTemporal } from '../config';
import { requireStreamedCluster, startBinlogStream, stopBinlogStream } from './stream';
import { recoverableText } from './recoverable-text';

interface ClusterOptions {
  tenant: string;
  cluster: string;
  json?: boolean;
  config?: string;
}

function withClusterOptions(command: Command): Command {
  return command
    .requiredOption('--tenant <id>')
    .requiredOption('--cluster <id>')
    .option('--json')
    .option('--config <file>', 'central configuration file');
}

/** The columns of `pitr binlogs list`; a gap names its files and missing transactions in the last two. */
const BINLOGS_LIST_HEADER = 'SEQ\tSTATUS\tSERVER\tFILE\tTRANSACTIONS\tGTIDS';

function entryLine(e: ArchiveEntry): string {
  if (e.kind === 'gap') {
    const files = e.missingFromFile
      ? `${e.missingFromFile}${e.missingToFile !== e.missingFromFile ? ` … ${e.missingToFile}` : ''}`
      : `before ${e.beforeFile}`;
    return `${e.streamSeq}\tGAP\t${e.serverKey}\t${files}\tmissing ${e.missingGtids}`;
  }
  const span = e.transactions === 0 ? 'no transactions' : `${e.transactions} trx ${e.firstCommitAt} … ${e.lastCommitAt}`;
  // A piece of a binlog a stream sealed shows the bytes of its file it holds.
  const piece =
    e.startOffset > 0 || !e.closesFile ? ` bytes ${e.startOffset}-${e.startOffset + e.sizeBytes}${e.closesFile ? ' (end)' : ''}` : '';
  return `${e.streamSeq}\t${e.status}\t${e.server.key}\t${e.file}${piece}\t${span}\t${e.gtids || '(none)'}`;
}

export function binlogsCommand(): Command {
  const binlogs = new Command('binlogs').description('the archived binlog stream of a cluster');
  withClusterOptions(binlogs.command('list').description('archived segments and gaps, in stream order')).action(
    async (o: ClusterOptions) => {
      const entries = await withCatalog(loadCliConfig(o.config), (catalog) => listArchive(catalog, o.tenant, o.cluster));
      printJsonOr(o.json, entries, (es) =>
        es.length === 0 ? '(nothing archived)' : [BINLOGS_LIST_HEADER, ...es.map(entryLine)].join('\n'),
      );
    },
  );
  withClusterOptions(
    binlogs
      .command('stream')
      .description('start (or, with --stop, stop) the binlog stream of a cluster registered with --archive stream')
      .option('--stop', 'stop the stream; what it received stays for the archive passes'),
  ).action(async (o: ClusterOptions & { stop?: boolean }) => {
    const ref = { tenantId: o.tenant, clusterId: o.cluster };
    const config = loadCliConfig(o.config);
    if (!o.stop) await withCatalog(config, async (catalog) => requireStreamedCluster(await getCluster(catalog, o.tenant, o.cluster)));
    const state = await withTemporal(config, (client) => (o.stop ? stopBinlogStream(client, ref) : startBinlogStream(client, ref)));
    printJsonOr(o.json, state, (s) => `binlog stream of ${o.tenant}/${o.cluster}: ${s.outcome} (workflow ${s.workflowId})`);
  });
  return binlogs;
}

export function recoverableCommand(): Command {
  return withClusterOptions(
    new Command('recoverable').description('the windows a cluster can be restored to, every gap, and the RPO'),
  ).action(async (o: ClusterOptions) => {
    const report = await withCatalog(loadCliConfig(o.config), (catalog) => loadRecoverability(catalog, o.tenant, o.cluster));
    printJsonOr(o.json, report, recoverableText);
  });
}
