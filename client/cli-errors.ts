import { WorkflowFailedError } from '@temporalio/client';
import { PitrError } from '../domain/errors';
import { runFailureOf } from './workflow-failure';

/** Prints an error the way operators read it and returns the process exit code. */
export function reportCliError(err: unknown): number {
  if (err instanceof PitrError) {
    process.stderr.write(`pitr: ${err.message}\n`);
    if (err.hint) process.stderr.write(`  what to do: ${err.hint}\n`);
    return err.exitCode;
  }
  if (err instanceof WorkflowFailedError) {
    // A run that failed is an outcome to report, not a crash of the command.
    const failure = runFailureOf(err);
    process.stderr.write(`pitr: the workflow failed: ${failure.type}: ${failure.message}\n`);
    if (failure.hint) process.stderr.write(`  what to do: ${failure.hint}\n`);
    return 1;
  }
  process.stderr.write(`pitr: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return 1;
}
