import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { PitrError } from '../domain/errors';
import { apartFromHint } from '../domain/failure-hint';

/** Failures that say the request itself was wrong (exit 2), as opposed to the environment (exit 1). */
const REQUEST_ERRORS = new Set([
  'InvalidInputError',
  'RestoreRefusedError',
  'RestoreTargetError',
  'ClusterNotFoundError',
  'GtidParseError',
]);

/** The typed error that ended a workflow run, as the activity or the workflow raised it. */
export interface RunFailure {
  type: string;
  message: string;
  hint: string | null;
}

/**
 * A workflow run (a backup, a restore) failed: its own error's type, message and hint, and the
 * run's id, for the CLI to print and for incident tooling to act on.
 */
export class WorkflowRunFailedError extends PitrError {
  constructor(
    readonly workflowId: string,
    readonly failure: RunFailure,
    what: string,
  ) {
    super(`${what} ${workflowId} failed: ${failure.type}: ${failure.message}`, {
      hint: failure.hint ?? `its history in the Temporal UI (${workflowId}) shows where it failed`,
      exitCode: REQUEST_ERRORS.has(failure.type) ? 2 : 1,
      terminal: true,
    });
  }
}

/**
 * The failure the code that failed raised: the first application failure under the wrappers
 * (workflow, activity, child workflow) — an activity's typed error, whose own cause is the same
 * error again without its hint — or, with none, the deepest failure (a timeout, a cancellation).
 */
function raisedFailure(err: Error): Error {
  let cause: Error = err;
  while (!(cause instanceof ApplicationFailure) && cause.cause instanceof Error) cause = cause.cause;
  return cause;
}

/** The typed error inside a WorkflowFailedError: type, message and hint apart (activities append the hint to the message). */
export function runFailureOf(err: WorkflowFailedError): RunFailure {
  const cause = err.cause instanceof Error ? raisedFailure(err.cause) : err;
  const type = cause instanceof ApplicationFailure ? (cause.type ?? cause.name) : cause.name;
  const detailed = cause instanceof ApplicationFailure ? (cause.details?.[0] as { hint?: unknown } | undefined) : undefined;
  return { type, ...apartFromHint(cause.message, detailed?.hint) };
}

/** `err` as the typed failure of run `workflowId`, when it is a workflow's failure; anything else as it is. */
export function asRunFailure(err: unknown, workflowId: string, what: string): unknown {
  return err instanceof WorkflowFailedError ? new WorkflowRunFailedError(workflowId, runFailureOf(err), what) : err;
}
