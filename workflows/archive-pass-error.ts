import { ActivityFailure, ApplicationFailure, TemporalFailure, TimeoutFailure } from '@temporalio/workflow';
import type { ArchivePassError } from '../domain/archive/types';
import { apartFromHint } from '../domain/failure-hint';

const NO_ANSWER_HINT = "the cluster's `pitr agent` or the central worker did not answer in time: check that both run and reach Temporal";

/** What failed an archive pass, for `pitr status`: the typed error's name, message and hint apart. */
export function archivePassError(err: unknown): ArchivePassError {
  const activity = err instanceof ActivityFailure ? (err.activityType ?? null) : null;
  const cause = err instanceof ActivityFailure && err.cause ? err.cause : err;
  if (cause instanceof ApplicationFailure) {
    const apart = cause.details?.[0] as { hint?: unknown } | undefined;
    return { type: cause.type ?? cause.name, ...apartFromHint(cause.message, apart?.hint), activity };
  }
  if (cause instanceof TimeoutFailure) return { type: cause.name, message: cause.message, hint: NO_ANSWER_HINT, activity };
  if (cause instanceof TemporalFailure || cause instanceof Error) return { type: cause.name, message: cause.message, hint: null, activity };
  return { type: 'Error', message: String(cause), hint: null, activity };
}
