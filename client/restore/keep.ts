import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { Command } from 'commander';
import { setTimeout as sleep } from 'node:timers/promises';
import { InvalidInputError } from '../../domain/errors';
import type { RestoreProgress } from '../../domain/restore/workflow-types';
import { extendRestoreSignal, type pitrRestoreWorkflow, releaseRestoreSignal, restoreProgressQuery } from '../../workflows';
import { loadCliConfig, printJsonOr, withTemporal } from '../config';
import { asRunFailure } from '../workflow-failure';

/** A restore that is still running, with its progress; refused when it does not exist or has ended. */
async function runningRestore(client: Client, restoreId: string) {
  const handle = client.workflow.getHandle<typeof pitrRestoreWorkflow>(restoreId);
  const described = await handle.describe().catch((err: unknown) => {
    if (err instanceof WorkflowNotFoundError) {
      throw new InvalidInputError(`there is no restore ${restoreId}`, {
        hint: 'pitr status --tenant T --cluster C lists the cluster’s restores and their ids',
      });
    }
    throw err;
  });
  if (described.type !== 'pitrRestoreWorkflow') {
    throw new InvalidInputError(`${restoreId} is a ${described.type} run, not a restore`, { hint: 'pass the id `pitr restore` printed' });
  }
  if (described.status.name !== 'RUNNING') {
    throw new InvalidInputError(
      `restore ${restoreId} has already ended (${described.status.name.toLowerCase()}): its instance is torn down`,
      {
        hint: 'start a new restore to inspect the data again',
      },
    );
  }
  return { handle, progress: await handle.query(restoreProgressQuery) };
}

function minutesOf(text: string): number {
  const minutes = Number(text);
  if (!Number.isFinite(minutes) || minutes <= 0) {
    throw new InvalidInputError(`--by ${JSON.stringify(text)} is not a number of minutes`, {
      hint: 'e.g. --by 60 keeps the restored instance an hour longer',
    });
  }
  return minutes;
}

/** `pitr restore release`: tears a kept restore's instance down now and waits until it is gone. */
export function releaseCommand(): Command {
  return new Command('release')
    .description('tear a kept restore down now, and wait until its instance is gone')
    .requiredOption('--restore-id <id>')
    .option('--json')
    .option('--config <file>', 'central configuration file')
    .action(async (_o: unknown, command: Command) => {
      // --config and --json may be given where `pitr restore` reads them too.
      const o = command.optsWithGlobals<{ restoreId: string; json?: boolean; config?: string }>();
      await withTemporal(loadCliConfig(o.config), async (client) => {
        const { handle, progress } = await runningRestore(client, o.restoreId);
        await handle.signal(releaseRestoreSignal);
        const result = await handle.result().catch((err: unknown) => {
          throw asRunFailure(err, o.restoreId, 'restore');
        });
        const was =
          progress.phase === 'kept' ? 'released and torn down' : `released while ${progress.phase}: it is torn down instead of kept`;
        printJsonOr(o.json, { restoreId: o.restoreId, released: true, result }, () => `${o.restoreId}: ${was}`);
      });
    });
}

/** `pitr restore extend`: keeps a restore's instance longer than it was asked for. */
export function extendCommand(): Command {
  return new Command('extend')
    .description("keep a restore's instance longer")
    .requiredOption('--restore-id <id>')
    .requiredOption('--by <minutes>', 'how much longer, from its current deadline (or from now, if later)')
    .option('--json')
    .option('--config <file>', 'central configuration file')
    .action(async (_o: unknown, command: Command) => {
      const o = command.optsWithGlobals<{ restoreId: string; by: string; json?: boolean; config?: string }>();
      const ms = Math.round(minutesOf(o.by) * 60_000);
      await withTemporal(loadCliConfig(o.config), async (client) => {
        const { handle, progress: before } = await runningRestore(client, o.restoreId);
        if (before.phase !== 'kept') {
          throw new InvalidInputError(`restore ${o.restoreId} is ${before.phase}, not kept: only a kept instance can be kept longer`, {
            hint: 'request a restore with --keep-for MINUTES, then extend it while it is kept',
          });
        }
        await handle.signal(extendRestoreSignal, ms);
        // The signal is handled at the workflow's next task: read the deadline it set.
        let progress: RestoreProgress = before;
        for (let i = 0; i < 50 && progress.keptUntil === before.keptUntil; i++) {
          await sleep(100);
          progress = await handle.query(restoreProgressQuery);
        }
        printJsonOr(o.json, { restoreId: o.restoreId, keptUntil: progress.keptUntil }, (v) => `${v.restoreId}: kept until ${v.keptUntil}`);
      });
    });
}
