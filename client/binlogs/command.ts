import { Command } from 'commander';
import { loadRecoverability } from '../../activities/archive/recoverable';
import { listArchive, type ArchiveEntry } from '../../activities/catalog/segments';
import type { Recoverability } from '../../domain/archive/recoverable';
import { loadCliConfig, printJsonOr, withCatalog } from '../config';

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

function entryLine(e: ArchiveEntry): string {
  if (e.kind === 'gap') {
    const files = e.missingFromFile ? `${e.missingFromFile}${e.missingToFile !== e.missingFromFile ? ` … ${e.missingToFile}` : ''}` : `before ${e.beforeFile}`;
    return `${e.streamSeq}\tGAP\t${e.serverKey}\t${files}\tmissing ${e.missingGtids}`;
  }
  const span = e.transactions === 0 ? 'no transactions' : `${e.transactions} trx ${e.firstCommitAt} … ${e.lastCommitAt}`;
  return `${e.streamSeq}\t${e.status}\t${e.server.key}\t${e.file}\t${span}\t${e.gtids || '(none)'}`;
}

function recoverableText(r: Recoverability & { tenantId: string; clusterId: string }): string {
  const lines = [`${r.tenantId}/${r.clusterId}: RPO ${r.rpoSeconds === null ? 'unknown (nothing archived)' : `${r.rpoSeconds.toFixed(1)} s`}, newest archived commit ${r.newestArchivedCommit ?? 'none'}`];
  for (const w of r.windows) {
    lines.push(`window  ${w.baseBackup.finishedAt} … ${w.newestCommit ?? w.baseBackup.finishedAt}  from backup ${w.baseBackup.backupId} through ${w.lastFile} (${w.segments} segments, reaches ${w.to})`);
  }
  for (const s of r.uncovered) {
    lines.push(`no base backup  ${s.firstFile} … ${s.lastFile} (${s.segments} segments, ${s.from || '(empty)'} … ${s.to}): take a backup to recover here`);
  }
  for (const g of r.gaps) lines.push(`gap  ${g.description}`);
  if (r.windows.length === 0) lines.push('nothing is recoverable yet: it takes a completed base backup inside an archived stretch');
  return lines.join('\n');
}

export function binlogsCommand(): Command {
  const binlogs = new Command('binlogs').description('the archived binlog stream of a cluster');
  withClusterOptions(binlogs.command('list').description('archived segments and gaps, in stream order')).action(async (o: ClusterOptions) => {
    const entries = await withCatalog(loadCliConfig(o.config), (catalog) => listArchive(catalog, o.tenant, o.cluster));
    printJsonOr(o.json, entries, (es) => es.map(entryLine).join('\n') || '(nothing archived)');
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
