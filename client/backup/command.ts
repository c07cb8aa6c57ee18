import { Command, Option } from 'commander';
import { setTimeout as sleep } from 'node:timers/promises';
import { listBackups } from '../../adapters/catalog/backups';
import { getCluster } from '../../adapters/catalog/clusters';
import { backupWorkflowId, type BaseBackupInput, type EngineName, ENGINES, ENGINES_BY_FLAVOR } from '../../domain/backup';
import { InvalidInputError } from '../../domain/errors';
import { baseBackupWorkflow } from '../../workflows';
import { CENTRAL_TASK_QUEUE } from '../../domain/task-queues';
import { loadCliConfig, printJsonOr, withCatalog, withTemporal } from '../config';
import { asRunFailure } from '../workflow-failure';
import { type ExpectedSizes, expectedSizes, readLiveProgress, renderProgress } from './progress';

export function backupCommand(): Command {
  return new Command('backup')
    .description('take a base backup of a cluster now')
    .exitOverride()
    .requiredOption('--tenant <id>')
    .requiredOption('--cluster <id>')
    .addOption(new Option('--engine <engine>', "override the cluster's default engine").choices(ENGINES))
    .option('--dry-run', 'run phases 1 and 3 for real and validate the manifest; write nothing')
    .option('--wait', 'wait for the result, showing the phase, a progress bar and the last error')
    .option('--json')
    .option('--config <file>', 'central configuration file')
    .action(
      async (o: {
        tenant: string;
        cluster: string;
        engine?: EngineName;
        dryRun?: boolean;
        wait?: boolean;
        json?: boolean;
        config?: string;
      }) => {
        const config = loadCliConfig(o.config);
        const input: BaseBackupInput = {
          tenantId: o.tenant,
          clusterId: o.cluster,
          ...(o.engine ? { engine: o.engine } : {}),
          dryRun: !!o.dryRun,
        };
        // An unregistered cluster is refused here, before a workflow exists to retry it.
        const cluster = await withCatalog(config, (catalog) => getCluster(catalog, o.tenant, o.cluster));
        if (o.engine) {
          const engines = ENGINES_BY_FLAVOR[cluster.flavor];
          if (!engines.includes(o.engine)) {
            throw new InvalidInputError(`engine ${o.engine} cannot back up ${o.tenant}/${o.cluster}, a ${cluster.flavor} cluster`, {
              hint: `use one of ${engines.join(', ')}, or leave --engine out for the cluster's default (${cluster.defaultEngine})`,
            });
          }
        }
        await withTemporal(config, async (client) => {
          const workflowId = backupWorkflowId(o.tenant, o.cluster, new Date());
          const handle = await client.workflow.start(baseBackupWorkflow, { taskQueue: CENTRAL_TASK_QUEUE, workflowId, args: [input] });
          if (!o.wait) {
            printJsonOr(o.json, { workflowId }, (v) => `started ${v.workflowId}`);
            return;
          }
          const done = handle.result();
          let finished = false;
          void done.finally(() => (finished = true)).catch(() => undefined);
          let last = '';
          let sizes: ExpectedSizes = {};
          let sizedAt = '';
          while (!finished) {
            let p = await readLiveProgress(handle, sizes);
            if (p && (p.phase === 'execute' || p.phase === 'upload') && sizedAt !== p.phase) {
              sizes = await expectedSizes(handle);
              sizedAt = p.phase;
              p = await readLiveProgress(handle, sizes);
            }
            const line = p ? `${workflowId}: ${renderProgress(p)}` : '';
            if (line && line !== last && !o.json) process.stderr.write(process.stderr.isTTY ? `\r${line}\x1b[K` : `${line}\n`);
            last = line || last;
            await Promise.race([done.catch(() => undefined), sleep(1000)]);
          }
          if (process.stderr.isTTY && !o.json) process.stderr.write('\n');
          const result = await done.catch((err: unknown) => {
            throw asRunFailure(err, workflowId, 'backup');
          });
          printJsonOr(o.json, result, (r) =>
            [
              `backup ${r.backupId}${r.dryRun ? ' (dry run)' : ''}`,
              `  engine      ${r.engine}`,
              `  coordinate  ${r.coordinate.gtidExecuted} (${r.coordinate.binlogFile}:${r.coordinate.binlogPosition}, from ${r.coordinate.source})`,
              ...(r.artifact ? [`  artifact    s3://${r.artifact.bucket}/${r.artifact.key} (${r.artifact.storedBytes} bytes)`] : []),
              ...(r.manifestKey ? [`  manifest    ${r.manifestKey}`] : []),
            ].join('\n'),
          );
        });
      },
    );
}

export function backupsCommand(): Command {
  const backups = new Command('backups').description('base backups in the catalog');
  backups
    .command('list')
    .requiredOption('--tenant <id>')
    .requiredOption('--cluster <id>')
    .option('--json')
    .option('--config <file>', 'central configuration file')
    .action(async (o: { tenant: string; cluster: string; json?: boolean; config?: string }) => {
      const rows = await withCatalog(loadCliConfig(o.config), (catalog) => listBackups(catalog, o.tenant, o.cluster));
      printJsonOr(
        o.json,
        rows,
        (rs) =>
          rs
            .map((b) => `${b.finishedAt}\t${b.status}\t${b.engine}\t${b.backupId}\t${b.coordinate?.gtidExecuted ?? b.failureReason ?? ''}`)
            .join('\n') || '(no backups)',
      );
    });
  return backups;
}
