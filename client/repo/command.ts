import { msToNumber } from '@temporalio/common/lib/time';
import { Command } from 'commander';
import { checkRepository, type RepoReport } from './check';
import { repairRepository, type RepairOutcome } from './repair';
import { artifactServicesFromConfig } from '../../adapters/config/artifact-services';
import { quarantineFolder } from '../../adapters/storage/layout';
import { InvalidInputError } from '../../domain/errors';
import { loadCliConfig, printJsonOr, withCatalog } from '../config';

interface CheckOptions {
  tenant?: string;
  cluster?: string;
  minAge: string;
  repair?: boolean;
  json?: boolean;
  config?: string;
}

/** Long enough that no running backup upload or archive pass is taken for a crash's leftovers. */
const DEFAULT_MIN_AGE = '6h';

function minAgeMs(text: string): number {
  let ms: number;
  try {
    ms = msToNumber(text as Parameters<typeof msToNumber>[0]);
  } catch {
    ms = NaN;
  }
  if (!Number.isFinite(ms) || ms < 0) {
    throw new InvalidInputError(`--min-age ${JSON.stringify(text)} is not a duration`, {
      hint: 'e.g. --min-age 6h, 90m or 2d; 0 judges every object whatever its age',
    });
  }
  return ms;
}

type CheckResult = RepoReport & { repair?: RepairOutcome; remainingProblems: number };

function objectLine(label: string, o: { key: string; size: number; lastModified: string }): string {
  return `${label}\t${o.key}\t${o.size} bytes\twritten ${o.lastModified}`;
}

function reportText(r: CheckResult): string {
  const where = `s3://${r.bucket}/${r.prefix}`;
  const scope =
    r.scope.tenantId === undefined
      ? 'every tenant'
      : `tenant ${r.scope.tenantId}${r.scope.clusterId ? `, cluster ${r.scope.clusterId}` : ''}`;
  const lines = [
    `${where} (${scope}: ${r.tenants.join(', ') || 'none'}): ${r.objectsListed} objects, ${r.objectsOwned} owned; grace ${r.minAgeSeconds} s`,
  ];
  for (const o of r.orphans) lines.push(objectLine('ORPHAN', o));
  for (const m of r.missing) lines.push(`MISSING\t${m.key}\tof ${m.owner}`);
  for (const u of r.staleUploads) lines.push(`STALE UPLOAD\t${u.key}\tupload ${u.uploadId} started ${u.initiated ?? '(unknown)'}`);
  for (const w of r.lifecycle) {
    lines.push(
      `LIFECYCLE\trule ${w.ruleId} on prefix "${w.rulePrefix}" ${w.actions.join('; ')}${w.narrowed ? ' (for the objects its tag or size filter matches)' : ''}: ` +
        'it expires by age and knows nothing of the recoverable window; remove it, or scope it away from the prefix',
    );
  }
  if (r.inGrace.length > 0)
    lines.push(
      `${r.inGrace.length} unowned objects are younger than the grace period and were left alone (a backup or archive pass may be writing them)`,
    );
  if (r.uploadsInFlight > 0) lines.push(`${r.uploadsInFlight} multipart uploads are younger than the grace period (in flight)`);
  if (r.quarantined.length > 0)
    lines.push(`${r.quarantined.length} quarantined objects under ${quarantineFolder(r.prefix)} are kept for inspection`);
  if (r.foreign.length > 0)
    lines.push(`${r.foreign.length} objects are outside the product's layout or under a legacy source, and were left alone`);
  if (r.repair) {
    for (const key of r.repair.removed) lines.push(`removed\t${key}`);
    for (const u of r.repair.aborted) lines.push(`aborted\t${u.key}\tupload ${u.uploadId}`);
    for (const s of r.repair.skipped) lines.push(`kept\t${s.key}\t${s.why}`);
  }
  lines.push(
    r.remainingProblems === 0
      ? 'OK'
      : `${r.remainingProblems} problems${r.orphans.length + r.staleUploads.length > 0 && !r.repair ? ' (--repair removes the orphans and stale uploads)' : ''}`,
  );
  return lines.join('\n');
}

/** `pitr repo`: the object storage repository against the catalog. */
export function repoCommand(): Command {
  const repo = new Command('repo').description('the object storage repository, checked against the catalog');
  repo
    .command('check')
    .description(
      'objects no catalog row owns (crashed uploads), rows whose objects are missing, stale multipart uploads, and bucket lifecycle rules that would delete backups; exit 1 when any is found',
    )
    .option('--tenant <id>', 'one tenant (default: every tenant the catalog, the key store or the bucket knows)')
    .option('--cluster <id>', 'one cluster of --tenant')
    .option(
      '--min-age <duration>',
      'unowned objects and uploads younger than this are left alone: a running backup may be writing them',
      DEFAULT_MIN_AGE,
    )
    .option('--repair', 'remove the orphans and abort the stale uploads found (nothing else)')
    .option('--json')
    .option('--config <file>', 'central configuration file')
    .action(async (o: CheckOptions) => {
      if (o.cluster !== undefined && o.tenant === undefined) {
        throw new InvalidInputError('--cluster needs --tenant', {
          hint: "name the cluster's tenant too, e.g. --tenant acme --cluster orders",
        });
      }
      const grace = { now: new Date(), minAgeMs: minAgeMs(o.minAge) };
      const config = loadCliConfig(o.config);
      const services = artifactServicesFromConfig(config);
      try {
        const scope = {
          ...(o.tenant === undefined ? {} : { tenantId: o.tenant }),
          ...(o.cluster === undefined ? {} : { clusterId: o.cluster }),
        };
        const { report, repair } = await withCatalog(config, async (catalog) => {
          const found = await checkRepository(catalog, services.store, services.prefix, scope, grace);
          return { report: found, repair: o.repair ? await repairRepository(catalog, services.store, found, grace) : undefined };
        });
        const remainingProblems = report.problems - (repair ? repair.removed.length + repair.aborted.length : 0);
        printJsonOr(o.json, { ...report, ...(repair ? { repair } : {}), remainingProblems }, reportText);
        if (remainingProblems > 0) process.exitCode = 1;
      } finally {
        services.close();
      }
    });
  return repo;
}
