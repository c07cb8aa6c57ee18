#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { devCommand } from './dev/command';
import { demoCommand } from './demo/command';
import { catalogCommand } from './catalog/command';
import { clusterCommand } from './cluster/command';
import { backupCommand, backupsCommand } from './backup/command';
import { agentCommand, workerCommand } from './worker/command';
import { scheduleCommand } from './schedule/command';
import { statusCommand } from './status/command';
import { gtidCommand } from './gtid/command';
import { binlogCommand } from './binlog/command';
import { artifactCommand } from './artifact/command';
import { binlogsCommand, recoverableCommand } from './binlogs/command';
import { planCommand, restoreCommand } from './restore/command';
import { legacyCommand } from './legacy/command';
import { repoCommand } from './repo/command';
import { tenantCommand } from './tenant/command';
import { expireCommand } from './expire/command';
import { reportCliError } from './cli-errors';

/** `pitr`: the one front door for operators and incident tooling. */
export function buildCli(): Command {
  const program = new Command('pitr')
    .description('Point-in-time recovery for MySQL and MariaDB on Temporal')
    .showHelpAfterError()
    .exitOverride();
  program.addCommand(devCommand());
  program.addCommand(demoCommand());
  program.addCommand(catalogCommand());
  program.addCommand(clusterCommand());
  program.addCommand(backupCommand());
  program.addCommand(backupsCommand());
  program.addCommand(workerCommand());
  program.addCommand(agentCommand());
  program.addCommand(scheduleCommand());
  program.addCommand(statusCommand());
  program.addCommand(gtidCommand());
  program.addCommand(binlogCommand());
  program.addCommand(artifactCommand());
  program.addCommand(binlogsCommand());
  program.addCommand(recoverableCommand());
  program.addCommand(planCommand());
  program.addCommand(restoreCommand());
  program.addCommand(repoCommand());
  program.addCommand(tenantCommand());
  program.addCommand(legacyCommand());
  program.addCommand(expireCommand());
  return program;
}

export async function runCli(argv: string[]): Promise<void> {
  try {
    await buildCli().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    process.exitCode = reportCliError(err);
  }
}

if (require.main === module) {
  // The SDK version is pinned by the lockfile; its notice about future Node versions is noise for operators.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  void runCli(process.argv);
}
