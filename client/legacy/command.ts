import { Command } from 'commander';
import { userInfo } from 'node:os';
import { artifactServicesFromConfig } from '../../adapters/config/artifact-services';
import { completeLegacySource, loadLegacyArchive } from '../../adapters/catalog/legacy';
import { compareLegacyPlans } from './compare';
import { LocalProcessProvisioner } from '../../activities/restore/provisioner';
import { restoreHostServers } from '../../activities/restore/server-releases';
import { restoreRoot } from '../../workers/central-worker';
import { importLegacy, type LegacyImportReport } from './import';
import { comparisonText, type InstantComparison } from '../../domain/legacy/compare';
import { parseRestoreTarget, RestoreTargetError } from '../../domain/restore/target';
import { loadCliConfig, printJsonOr, withCatalog } from '../config';

interface SourceOptions {
  tenant: string;
  cluster: string;
  prefix: string;
  json?: boolean;
  config?: string;
}

function withSourceOptions(command: Command): Command {
  return command
    .requiredOption('--tenant <id>')
    .requiredOption('--cluster <id>')
    .option('--prefix <prefix>', "the older system's folder in the bucket", 'legacy/')
    .option('--json')
    .option('--config <file>', 'central configuration file');
}

function importText(r: LegacyImportReport): string {
  return [
    `${r.tenantId}/${r.clusterId} ${r.prefix}: ${r.listed} objects, ${r.indexed.backups.length} dumps and ${r.indexed.segments.length} binlogs indexed now, ${r.unchanged} known already`,
    `stream: ${r.segments} binlogs, ${r.gaps.length} gaps`,
    ...r.gaps.map((g) => `gap     before ${g.beforeFile}${g.afterFile ? ` (after ${g.afterFile})` : ''}: missing ${g.missing}`),
    ...r.changed.map((c) => `CHANGED ${c.objectKey}: ETag ${c.etag}, indexed as ${c.indexedEtag}`),
    ...r.gone.map((k) => `gone    ${k}: no longer in storage`),
    ...r.rejected.map((x) => `rejected ${x.objectKey}: ${x.reason}`),
    ...r.diverged.map((d) => `diverged ${d.objectKey}: its history lacks ${d.lacking} of the legacy stream; not replayed`),
  ].join('\n');
}

function instantsOf(list: string): string[] {
  const instants = list
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  if (instants.length === 0)
    throw new RestoreTargetError('--at names no instant', { hint: 'e.g. --at 2026-11-27T12:00:00Z,2026-11-27T12:30:00Z' });
  return instants.map((text) => {
    const target = parseRestoreTarget(text);
    if (target.kind !== 'instant')
      throw new RestoreTargetError(`--at ${text} is not an instant`, {
        hint: 'compare takes ISO-8601 instants with their zone, comma-separated',
      });
    return target.at;
  });
}

/** `pitr legacy`: migrate from an older system's archive, proving the product's own against it first. */
export function legacyCommand(): Command {
  const legacy = new Command('legacy').description("an older system's archive under its own prefix, during a migration");

  withSourceOptions(
    legacy.command('import').description('index the dumps and binlogs under a prefix, read-only; list what cannot be used'),
  ).action(async (o: SourceOptions) => {
    const config = loadCliConfig(o.config);
    const services = artifactServicesFromConfig(config);
    try {
      const report = await withCatalog(config, (catalog) =>
        importLegacy(catalog, services, { tenantId: o.tenant, clusterId: o.cluster, prefix: o.prefix }),
      );
      printJsonOr(o.json, report, importText);
    } finally {
      services.close();
    }
  });

  withSourceOptions(legacy.command('list').description('what import indexed: dumps, the binlog stream, gaps, rejected objects')).action(
    async (o: SourceOptions) => {
      const archive = await withCatalog(loadCliConfig(o.config), (catalog) =>
        loadLegacyArchive(catalog, { tenantId: o.tenant, clusterId: o.cluster, prefix: o.prefix }),
      );
      printJsonOr(o.json, archive, (a) =>
        [
          `${a.source.prefix}: opened ${a.source.openedAt}, ${a.source.completedAt ? `completed ${a.source.completedAt} by ${a.source.completedBy}` : 'migration open'}`,
          ...a.backups.map(
            (b) =>
              `dump    ${b.objectKey} (${b.engine}, ${b.compression}) at ${b.gtidExecuted}, ${b.completedText}${b.goneAt ? ' — GONE' : ''}`,
          ),
          ...a.segments.map(
            (s) =>
              `binlog  ${s.streamSeq ?? '-'}\t${s.status ?? 'unplaced'}\t${s.objectKey} (${s.compression}) ${s.gtids || '(none)'}${s.goneAt ? ' — GONE' : ''}`,
          ),
          ...a.gaps.map((g) => `gap     ${g.seq}\tbefore ${g.beforeFile}: missing ${g.missing}`),
          ...a.rejected.map((r) => `rejected ${r.objectKey}: ${r.reason}`),
        ].join('\n'),
      );
    },
  );

  withSourceOptions(
    legacy.command('compare').description("plan each instant from the product's archive and the legacy one; report where they disagree"),
  )
    .requiredOption('--at <instants>', 'comma-separated ISO-8601 instants')
    .option('--restore', 'also restore both sides of each instant on ephemeral instances and compare gtid_executed and CHECKSUM TABLE')
    .action(async (o: SourceOptions & { at: string; restore?: boolean }) => {
      const at = instantsOf(o.at);
      const config = loadCliConfig(o.config);
      const services = artifactServicesFromConfig(config);
      // Ctrl-C stops the dry-run restores through their signal, so each one still takes its instance down.
      const interrupt = new AbortController();
      const stop = () => interrupt.abort(new Error('interrupted'));
      process.once('SIGINT', stop).once('SIGTERM', stop);
      const dryRuns = o.restore
        ? {
            config,
            provisioner: new LocalProcessProvisioner(restoreRoot(), await restoreHostServers(config.restoreHost)),
            signal: interrupt.signal,
          }
        : undefined;
      try {
        const comparisons = await withCatalog(config, (catalog) =>
          compareLegacyPlans(catalog, services, { tenantId: o.tenant, clusterId: o.cluster, prefix: o.prefix, at }, dryRuns),
        );
        printJsonOr(o.json, comparisons, (cs: InstantComparison[]) => cs.map(comparisonText).join('\n'));
        // Scripts gate `legacy complete` on this: any instant the archives do not agree on fails the command.
        if (comparisons.some((c) => c.verdict.kind !== 'agree' || c.restored?.agree === false)) process.exitCode = 1;
      } finally {
        process.off('SIGINT', stop).off('SIGTERM', stop);
        services.close();
      }
    });

  withSourceOptions(legacy.command('complete').description('close the migration: the legacy prefix then follows its own retention'))
    .option('--by <name>', 'who closes it (default: the operating-system user)')
    .action(async (o: SourceOptions & { by?: string }) => {
      const by = o.by ?? userInfo().username;
      const source = await withCatalog(loadCliConfig(o.config), (catalog) =>
        completeLegacySource(catalog, { tenantId: o.tenant, clusterId: o.cluster, prefix: o.prefix }, by),
      );
      printJsonOr(
        o.json,
        source,
        (s) => `${s.tenantId}/${s.clusterId} ${s.prefix}: migration completed at ${s.completedAt} by ${s.completedBy}`,
      );
    });

  return legacy;
}
