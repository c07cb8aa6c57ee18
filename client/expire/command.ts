import { Command } from 'commander';
import type { RecoverableWindow } from '../../domain/archive/recoverable';
import { clusterScheduleId } from '../../domain/backup';
import { describePolicy } from '../../domain/retention/policy';
import { planExpiry } from '../../activities/retention/activities';
import type { ExpiryPlan } from '../../activities/retention/types';
import { expireWorkflow } from '../../workflows';
import type { ExpireResult } from '../../workflows/expire';
import { CENTRAL_TASK_QUEUE } from '../../domain/task-queues';
import { loadCliConfig, printJsonOr, withCatalog, withTemporal } from '../config';

const windowLines = (label: string, windows: readonly RecoverableWindow[]): string[] =>
  windows.length === 0
    ? [`${label}  nothing recoverable`]
    : windows.map(
        (w) =>
          `${label}  ${w.baseBackup.finishedAt} … ${w.newestCommit ?? w.baseBackup.finishedAt} from backup ${w.baseBackup.backupId} (${w.firstFile} … ${w.lastFile})`,
      );

function planText(p: ExpiryPlan): string {
  const d = p.decision;
  return [
    `${p.tenantId}/${p.clusterId}: ${describePolicy(d.policy)}; the policy keeps every instant from ${d.policyKeepsFrom ?? '(no completed backup)'}`,
    ...d.kept.map((k) => `keep    backup ${k.backupId} (finished ${k.finishedAt}): ${k.reasons.join(', ')}`),
    ...d.backups.map((id) => `expire  backup ${id}`),
    ...d.segments.map((s) => `expire  binlog ${s.serverKey}/${s.file}`),
    ...d.unfinished.backups.map((id) => `finish  backup ${id} (left expiring by an interrupted run)`),
    ...d.unfinished.segments.map((s) => `finish  binlog ${s.serverKey}/${s.file} (left expiring by an interrupted run)`),
    ...p.holds.map((h) => `held    ${h}`),
    ...windowLines('before', d.before.windows),
    ...windowLines('after ', d.after.windows),
  ].join('\n');
}

function resultText(r: ExpireResult): string {
  return [
    `${r.tenantId}/${r.clusterId}: expired ${r.expiredBackups.length} backups${r.expiredBackups.length ? ` (${r.expiredBackups.join(', ')})` : ''} and ${r.expiredSegments} binlogs; ${r.objectsDeleted} objects deleted`,
    ...r.releasedHolds.map((h) => `released the holds of ${h}, which ended without releasing them`),
    ...windowLines('before', r.before),
    ...windowLines('after ', r.after),
  ].join('\n');
}

/** `pitr expire`: applies a cluster's retention policy now, or with --dry-run shows what it would remove. */
export function expireCommand(): Command {
  return new Command('expire')
    .description("remove the backups and archived binlogs a cluster's retention policy no longer keeps")
    .requiredOption('--tenant <id>')
    .requiredOption('--cluster <id>')
    .option('--dry-run', 'show what would be removed and the recoverable windows before and after; change nothing')
    .option('--json')
    .option('--config <file>', 'central configuration file')
    .action(async (o: { tenant: string; cluster: string; dryRun?: boolean; json?: boolean; config?: string }) => {
      const config = loadCliConfig(o.config);
      if (o.dryRun) {
        printJsonOr(o.json, await withCatalog(config, (catalog) => planExpiry(catalog, o.tenant, o.cluster)), planText);
        return;
      }
      const result = await withTemporal(config, (client) =>
        client.workflow.execute(expireWorkflow, {
          taskQueue: CENTRAL_TASK_QUEUE,
          workflowId: `${clusterScheduleId('expire', o.tenant, o.cluster)}-${new Date().toISOString()}`,
          args: [{ tenantId: o.tenant, clusterId: o.cluster }],
        }),
      );
      printJsonOr(o.json, result, resultText);
    });
}
