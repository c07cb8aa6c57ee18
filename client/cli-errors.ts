import type { WorkflowFailedError } from '@temporalio/client';
import { PitrError } from '../domain/errors';

/** Prints an error the way operators read it and returns the process exit code. */
export function reportCliError(err: unknown): number {
  if (err instanceof PitrError) {
    process.stderr.write(`pitr: ${err.message}\n`);
    if (err.hint) process.stderr.write(`  what to do: ${err.hint}\n`);
    return err.exitCode;
  }
  // Only commands that loaded the Temporal client can fail this way; the name spares the others loading it.
  if (err instanceof Error && err.name === 'WorkflowFailedError') {
    // A run that failed is an outcome to report, not a crash of the command.
    const { runFailureOf } = require('./workflow-failure') as typeof import('./workflow-failure');
    const failure = runFailureOf(err as WorkflowFailedError);
    process.stderr.write(`pitr: the workflow failed: ${failure.type}: ${failure.message}\n`);
    if (failure.hint) process.stderr.write(`  what to do: ${failure.hint}\n`);
    return 1;
  }
  process.stderr.write(`pitr: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return 1;
}
