import { Command } from 'commander';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadLegacyPlan } from '../legacy/plan';
import { loadRestorePlan } from '../../activities/restore/plan';
import { getCluster } from '../../adapters/catalog/clusters';
import { InvalidInputError, PitrError } from '../../domain/errors';
import { artifactServicesFromConfig } from '../../adapters/config/artifact-services';
import type { CentralConfig } from '../../adapters/config/config';
import type { Flavor } from '../../domain/backup';
import { commitPrecision, type HeldBack } from '../../domain/restore/held-back';
import type { ReceivedSplit, RestorePlan } from '../../domain/restore/plan';
import { describeTarget, parseRestoreTarget, type RestoreTarget } from '../../domain/restore/target';
import type { PitrRestoreResult, RestoreProgress, RestoreVerification } from '../../domain/restore/workflow-types';
import { restoreProgressQuery } from '../../workflows';
import { loadCliConfig, printJsonOr, withCatalog, withTemporal } from '../config';
import { WorkflowRunFailedError } from '../workflow-failure';
import { extendCommand, releaseCommand } from './keep';
import { restoreHostsOfPlan, restoreHostsText } from './release-hosts';
import { requestRestore } from './request';

interface TargetOptions {
  tenant: string;
  cluster: string;
  to: string;
  json?: boolean;
  config?: string;
}

/** `required: false` for a command with subcommands, whose own options commander would demand of them too. */
function withTargetOptions(command: Command, required = true): Command {
  const option = (flags: string, description?: string) =>
    required ? command.requiredOption(flags, description) : command.option(flags, description);
  option('--tenant <id>');
  option('--cluster <id>');
  option('--to <target>', 'an ISO-8601 instant with its zone (UTC recommended), gtid:SET, or latest');
  return command.option('--json').option('--config <file>', 'central configuration file');
}

function requireTargetOptions(o: Partial<TargetOptions>): asserts o is TargetOptions {
  const missing = (['tenant', 'cluster', 'to'] as const).filter((k) => o[k] === undefined).map((k) => `--${k}`);
  if (missing.length > 0) {
    throw new InvalidInputError(`pitr restore needs ${missing.join(', ')}`, {
      hint: 'e.g. pitr restore --tenant acme --cluster orders --to 2026-11-27T09:30:00.250000Z --wait; or pitr restore release|extend --restore-id ID',
    });
  }
}

function planText(p: RestorePlan): string {
  const stop =
    p.stop === null
      ? 'nothing to apply: the backup is the target'
      : p.stop.kind === 'gtid'
        ? `stop after ${p.stop.gtid}`
        : p.stop.kind === 'gtid-set'
          ? `stop after the last of ${p.stop.set}`
          : 'apply all';
  return [
    `${p.tenantId}/${p.clusterId} (${p.flavor}) to ${describeTarget(p.target)}`,
    `base backup  ${p.backup.backupId} (${p.backup.engine}, finished ${p.backup.finishedAt}) at ${p.backup.gtidExecuted}`,
    ...p.segments.map((s) => `binlog       ${s.file} of ${s.serverKey} (${s.sizeBytes} bytes)`),
    `${stop}${p.throughCommit ? `; last commit applied ${commitText(p.flavor, p.throughCommit)}` : ''}`,
    `expected GTID state  ${p.expectedGtids}`,
    ...(p.receivedSplit ? [receivedSplitText(p.receivedSplit)] : []),
    ...(p.heldBack ? [heldBackText(p.flavor, p.heldBack)] : []),
  ].join('\n');
}

/** A commit time as precisely as the flavor's binlog knows it. */
function commitText(flavor: Flavor, iso: string): string {
  return commitPrecision(flavor) === 's' ? `${iso.replace(/\.\d{6}Z$/, 'Z')} (whole second: ${flavor}'s binlog stamps no finer)` : iso;
}

function receivedSplitText(r: ReceivedSplit): string {
  return [
    `instant      inside ${r.second}, a whole second in the binlog, split by when the binlog stream received its transactions:`,
    `             ${r.atOrBefore} received at or before the target are replayed, ${r.after} received after it are not`,
    `             (the stream looks every 10 ms and receives a commit as the network delivers it)`,
  ].join('\n');
}

function heldBackText(flavor: Flavor, h: HeldBack): string {
  return [
    `held back    ${h.transactions} transaction${h.transactions === 1 ? '' : 's'} stamped ${h.second} (${h.gtids}):`,
    `             ${flavor}'s binlog records only the second they committed in, and no live binlog stream dated their arrival`,
    `             on either side of the target, so each may have committed after it; the restore stops before them.`,
    `             To include them: --to ${h.includeAllTarget} (or a GTID among them)`,
  ].join('\n');
}

/** `pitr plan`: what a restore to the target would use, from the catalog, without touching anything. */
export function planCommand(): Command {
  return withTargetOptions(new Command('plan').description('plan a point-in-time restore without running it'))
    .option('--prefix <prefix>', 'plan from an imported legacy archive under this prefix (see `pitr legacy import`)')
    .action(async (o: TargetOptions & { prefix?: string }) => {
      const target = parseRestoreTarget(o.to);
      const config = loadCliConfig(o.config);
      const services = artifactServicesFromConfig(config);
      try {
        const request = { tenantId: o.tenant, clusterId: o.cluster, target };
        const legacyPrefix = o.prefix !== undefined && o.prefix !== services.prefix ? o.prefix : undefined;
        const plan = await withCatalog(config, (catalog) =>
          legacyPrefix === undefined
            ? loadRestorePlan(catalog, services, request)
            : loadLegacyPlan(catalog, services, { ...request, prefix: legacyPrefix }),
        );
        const hosts = await restoreHostsOfPlan((use) => withTemporal(config, use), plan);
        printJsonOr(o.json, { ...plan, restoreHosts: hosts }, (p) => `${planText(p)}\n${restoreHostsText(hosts, p)}`);
      } finally {
        services.close();
      }
    });
}

interface RestoreOptions extends TargetOptions {
  keepFor?: string;
  verify: boolean;
  key?: string;
  wait?: boolean;
}

function keepForMsOf(minutes: string): number {
  const value = Number(minutes);
  if (!Number.isFinite(value) || value <= 0) {
    throw new InvalidInputError(`--keep-for ${JSON.stringify(minutes)} is not a number of minutes`, {
      hint: 'e.g. --keep-for 120 keeps the restored instance two hours',
    });
  }
  return Math.round(value * 60_000);
}

const SETTLED: ReadonlySet<RestoreProgress['phase']> = new Set(['kept', 'done', 'failed']);

function throughText(p: Pick<RestoreProgress, 'throughGtid' | 'throughCommit'>): string {
  if (p.throughGtid === null) return '';
  return `\nlast transaction applied  ${p.throughGtid}${p.throughCommit ? `, committed ${p.throughCommit}` : ''}`;
}

function verificationText(v: RestoreVerification | null): string {
  if (v === null) return '\nnot verified (--no-verify)';
  const changed = [
    ...(v.manifestTablesGone.length > 0 ? [`gone since the backup: ${v.manifestTablesGone.join(', ')}`] : []),
    ...(v.tablesCreatedAfterBackup.length > 0 ? [`new since the backup: ${v.tablesCreatedAfterBackup.join(', ')}`] : []),
  ];
  return ['', 'verified:', ...v.checks.map((c) => `  ${c}`), ...changed.map((c) => `  ${c}`)].join('\n');
}

/** Where a kept restore is served and what it holds; otherwise its phase. */
export function progressText(restoreId: string, p: RestoreProgress): string {
  const where = p.instance
    ? ` at ${p.instance.host}:${p.instance.port} (socket ${p.instance.socket}, user ${p.instance.user}${p.instance.optionFile ? `, signs in with --defaults-file=${p.instance.optionFile}` : ''}) until ${p.keptUntil}`
    : '';
  const host = `${p.host ? ` on restore host ${p.host}` : ''}${p.waiting ? ` — waiting: ${p.waiting}` : ''}`;
  const head = `${restoreId}: ${p.phase}${host}${where}${p.appliedThrough ? `, applied through ${p.appliedThrough}` : ''}${p.error ? ` — ${p.error}` : ''}`;
  return p.phase === 'kept' ? `${head}${throughText(p)}${verificationText(p.verification)}` : head;
}

function resultText(r: PitrRestoreResult): string {
  const kept = r.instance ? `; it was kept at ${r.instance.host}:${r.instance.port}` : '';
  const heldBack = r.heldBack
    ? `\nheld back ${r.heldBack.transactions} transactions stamped ${r.heldBack.second} (${r.heldBack.gtids}), which may have committed after the target; to include them: --to ${r.heldBack.includeAllTarget}`
    : '';
  return `${r.restoreId}: restored backup ${r.backupId} through ${r.appliedThrough} in ${(r.durationMs / 1000).toFixed(1)} s${kept}${throughText(r)}${heldBack}${verificationText(r.verification)}`;
}

/** `pitr restore`: starts (or, with the same --key, finds) a restore; --wait follows it until it is kept or done. */
export function restoreCommand(): Command {
  return withTargetOptions(
    new Command('restore').description('restore a cluster to an instant, a GTID set or latest, on an ephemeral instance'),
    false,
  )
    .addCommand(releaseCommand())
    .addCommand(extendCommand())
    .option('--keep-for <minutes>', 'keep the restored instance this long for inspection')
    .option('--no-verify', 'skip verification of the restored server')
    .option('--key <key>', 'idempotency key: the same key returns the same restore (default: a new restore)')
    .option('--wait', 'wait until the instance is kept, or the restore is done or failed')
    .action(async (o: RestoreOptions) => {
      let request: { target: RestoreTarget; keepForMs: number | undefined; config: CentralConfig };
      try {
        requireTargetOptions(o);
        const target = parseRestoreTarget(o.to);
        const keepForMs = o.keepFor === undefined ? undefined : keepForMsOf(o.keepFor);
        request = { target, keepForMs, config: loadCliConfig(o.config) };
        // An unregistered cluster is refused here, before a workflow exists to fail.
        await withCatalog(request.config, (catalog) => getCluster(catalog, o.tenant, o.cluster));
      } catch (err) {
        // Refused before any restore exists: incident tooling still reads one JSON object.
        if (o.json && err instanceof PitrError) {
          process.stdout.write(
            `${JSON.stringify({ restoreId: null, status: 'refused', error: { type: err.name, message: err.message, hint: err.hint ?? null } })}\n`,
          );
        }
        throw err;
      }
      const { target, keepForMs, config } = request;
      await withTemporal(config, async (client) => {
        const requested = await requestRestore(client, {
          tenantId: o.tenant,
          clusterId: o.cluster,
          target,
          verify: o.verify,
          idempotencyKey: o.key ?? randomUUID(),
          ...(keepForMs === undefined ? {} : { keepForMs }),
        });
        if (!o.wait) {
          printJsonOr(
            o.json,
            { restoreId: requested.restoreId, started: requested.started },
            (v) => `${v.started ? 'started' : 'already requested'} ${v.restoreId}`,
          );
          return;
        }
        let progress = await requested.handle.query(restoreProgressQuery);
        while (!SETTLED.has(progress.phase)) {
          await sleep(1000);
          progress = await requested.handle.query(restoreProgressQuery);
        }
        if (progress.phase === 'kept') {
          printJsonOr(o.json, { restoreId: requested.restoreId, ...progress }, (p) => progressText(requested.restoreId, p));
          return;
        }
        const result = await requested.result().catch((err: unknown) => {
          // Incident tooling reads one JSON object on stdout either way; the reason goes to stderr too.
          if (o.json && err instanceof WorkflowRunFailedError) {
            process.stdout.write(`${JSON.stringify({ restoreId: requested.restoreId, status: 'failed', error: err.failure })}\n`);
          }
          throw err;
        });
        printJsonOr(o.json, result, resultText);
      });
    });
}
