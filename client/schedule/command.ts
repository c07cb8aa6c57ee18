import type { ScheduleHandle } from '@temporalio/client';
import { Command } from 'commander';
import type { EngineName } from '../../domain/backup';
import { InvalidInputError } from '../../domain/errors';
import { loadCliConfig, printJsonOr, withTemporal } from '../config';
import { findSchedule, SCHEDULE_KINDS, type ScheduleKind, scheduleId, upsertSchedule } from './schedules';

interface Target {
  kind: ScheduleKind;
  tenant: string;
  cluster: string;
  config?: string;
}

function kindOf(kind: string): ScheduleKind {
  if (!(SCHEDULE_KINDS as readonly string[]).includes(kind)) {
    throw new InvalidInputError(`unknown schedule kind "${kind}"`, { hint: `use one of: ${SCHEDULE_KINDS.join(', ')}` });
  }
  return kind as ScheduleKind;
}

function targeted(name: string, description: string): Command {
  return new Command(name)
    .description(description)
    .requiredOption('--kind <kind>', `what the schedule runs: ${SCHEDULE_KINDS.join(', ')}`)
    .requiredOption('--tenant <id>')
    .requiredOption('--cluster <id>')
    .option('--config <file>', 'central configuration file');
}

/** Applies `verb` to the schedule named by --kind/--tenant/--cluster. */
function handleVerb(name: string, description: string, verb: (h: ScheduleHandle) => Promise<unknown>): Command {
  return targeted(name, description).action(async (o: Target) => {
    const id = await withTemporal(loadCliConfig(o.config), async (client) => {
      const handle = await findSchedule(client, kindOf(o.kind), o.tenant, o.cluster);
      await verb(handle);
      return handle.scheduleId;
    });
    process.stdout.write(`${name}: ${id}\n`);
  });
}

export function scheduleCommand(): Command {
  const schedule = new Command('schedule').description(
    'Temporal Schedules: nightly base backups, binlog archive passes, restore verification',
  );
  schedule.addCommand(
    targeted('create', 'create the schedule, or update it when it exists')
      .requiredOption('--cron <expr>', 'five-field cron, e.g. "0 2 * * *" (backups) or "* * * * *" (archive)')
      .option('--timezone <tz>', 'IANA time zone the cron is read in', 'UTC')
      .option('--engine <engine>', "override the cluster's default engine")
      .option('--catchup <duration>', 'missed runs within this window still run after an outage', '1 hour')
      .action(async (o: Target & { cron: string; timezone: string; engine?: EngineName; catchup: string }) => {
        const outcome = await withTemporal(loadCliConfig(o.config), (client) =>
          upsertSchedule(client, {
            kind: kindOf(o.kind),
            tenantId: o.tenant,
            clusterId: o.cluster,
            cron: o.cron,
            timezone: o.timezone,
            catchupWindow: o.catchup,
            ...(o.engine ? { engine: o.engine } : {}),
          }),
        );
        process.stdout.write(`${outcome}: ${scheduleId(kindOf(o.kind), o.tenant, o.cluster)}\n`);
      }),
  );
  schedule.addCommand(
    new Command('list')
      .option('--json')
      .option('--config <file>', 'central configuration file')
      .action(async (o: { json?: boolean; config?: string }) => {
        const rows = await withTemporal(loadCliConfig(o.config), async (client) => {
          const out: Array<{ scheduleId: string; paused: boolean; next: string | undefined }> = [];
          for await (const s of client.schedule.list()) {
            out.push({ scheduleId: s.scheduleId, paused: s.state.paused, next: s.info.nextActionTimes[0]?.toISOString() });
          }
          return out;
        });
        printJsonOr(
          o.json,
          rows,
          (rs) => rs.map((r) => `${r.scheduleId}\t${r.paused ? 'paused' : 'active'}\tnext ${r.next ?? '-'}`).join('\n') || '(no schedules)',
        );
      }),
  );
  schedule.addCommand(
    targeted('describe', 'the schedule, its next runs and its recent actions')
      .option('--json')
      .action(async (o: Target & { json?: boolean }) => {
        const d = await withTemporal(loadCliConfig(o.config), async (client) =>
          (await findSchedule(client, kindOf(o.kind), o.tenant, o.cluster)).describe(),
        );
        const summary = {
          scheduleId: d.scheduleId,
          workflowType: d.action.workflowType,
          paused: d.state.paused,
          cron: d.spec.calendars?.length ? d.spec.calendars : undefined,
          timezone: d.spec.timezone,
          nextRuns: d.info.nextActionTimes.map((t) => t.toISOString()),
          recentRuns: d.info.recentActions.map((a) => ({
            scheduledAt: a.scheduledAt.toISOString(),
            workflowId: a.action.workflow.workflowId,
          })),
        };
        printJsonOr(o.json, summary, (s) => JSON.stringify(s, null, 2));
      }),
  );
  schedule.addCommand(handleVerb('pause', 'stop starting runs (running ones go on)', (h) => h.pause('paused with pitr schedule pause')));
  schedule.addCommand(handleVerb('unpause', 'start runs again', (h) => h.unpause('unpaused with pitr schedule unpause')));
  schedule.addCommand(handleVerb('trigger', 'start a run now', (h) => h.trigger()));
  schedule.addCommand(handleVerb('delete', 'remove the schedule (runs it started go on)', (h) => h.delete()));
  return schedule;
}
