import { Command } from 'commander';
import { setTimeout as sleep } from 'node:timers/promises';
import { listBackups } from '../../activities/catalog/backups';
import { backupWorkflowId, BaseBackupInput, EngineName } from '../../domain/backup';
import { backupProgressQuery, baseBackupWorkflow } from '../../workflows';
import { CENTRAL_TASK_QUEUE } from '../../workers/task-queues';
import { loadCliConfig, printJsonOr, withCatalog, withTemporal } from '../config';

export function backupCommand(): Command {
  return new Command('backup')
    .description('take a base backup of a cluster now')
    .requiredOption('--tenant <id>')
    .requiredOption('--cluster <id>')
    .option('--engine <engine>', "override the cluster's default engine")
    .option('--dry-run', 'run phases 1 and 3 for real and validate the manifest; write nothing')
    .option('--wait', 'wait for the result, showing the phase and bytes done')
    .option('--json')
    .option('--config <file>', 'central configuration file')
    .action(async (o: { tenant: string; cluster: string; engine?: EngineName; dryRun?: boolean; wait?: boolean; json?: boolean; config?: string }) => {
      const config = loadCliConfig(o.config);
      const input: BaseBackupInput = { tenantId: o.tenant, clusterId: o.cluster, ...(o.engine ? { engine: o.engine } : {}), dryRun: !!o.dryRun };
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
        while (!finished) {
          const p = await handle.query(backupProgressQuery).catch(() => undefined);
          const line = p ? `${workflowId}: ${p.phase} ${(p.bytesDone / 1e6).toFixed(1)} MB${p.lastError ? ` (last error: ${p.lastError})` : ''}` : '';
          if (line && line !== last && !o.json) process.stderr.write(process.stderr.isTTY ? `\r${line}\x1b[K` : `${line}\n`);
          last = line || last;
          await Promise.race([done.catch(() => undefined), sleep(1000)]);
        }
        if (process.stderr.isTTY && !o.json) process.stderr.write('\n');
        const result = await done;
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
    });
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
      printJsonOr(o.json, rows, (rs) =>
        rs
          .map((b) => `${b.finishedAt}\t${b.status}\t${b.engine}\t${b.backupId}\t${b.coordinate?.gtidExecuted ?? b.failureReason ?? ''}`)
          .join('\n') || '(no backups)',
      );
    });
  return backups;
}
