#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { COMMANDS } from './command-table';
import { reportCliError } from './cli-errors';

/** The command `argv` invokes (`pitr help X` invokes X's help), if any. */
function invokedCommand(argv: readonly string[]): string | undefined {
  const [first, second] = argv.slice(2).filter((arg) => !arg.startsWith('-'));
  return first === 'help' ? second : first;
}

/**
 * `pitr`: the one front door for operators and incident tooling. Only the command that
 * `argv` invokes is loaded in full; the others stand in with their summary for `pitr --help`.
 */
export function buildCli(argv: readonly string[]): Command {
  const program = new Command('pitr')
    .description('Point-in-time recovery for MySQL and MariaDB on Temporal')
    .showHelpAfterError()
    .exitOverride();
  const invoked = invokedCommand(argv);
  for (const entry of COMMANDS) {
    const command = entry.name === invoked ? entry.load() : new Command(entry.name).description(entry.summary);
    program.addCommand(command);
  }
  return program;
}

export async function runCli(argv: string[]): Promise<void> {
  try {
    await buildCli(argv).parseAsync(argv);
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
