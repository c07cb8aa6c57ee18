import type { BinlogSurvey } from './types';

/** What the last successful archive pass saw of the server, as the catalog keeps it. */
export interface ArchiveObservation {
  /** When that pass looked at the server (before its survey). */
  observedAtMicros: number;
  /** The oldest commit it left unarchived; null when everything committed was archived. */
  unarchivedSinceMicros: number | null;
  /** A pass failed after it: nobody has looked at the server since. */
  failedSince: boolean;
}

/**
 * The recovery point objective a failure now would meet, in seconds: the age of the oldest
 * commit not yet archived, 0 when there is none. Nothing committed after the last successful
 * pass looked is known, so while passes fail it counts from that look. Without an observation
 * (no pass recorded one yet) it is the age of the newest archived commit, or null before any.
 */
export function archiveRpoSeconds(
  nowMicros: number,
  newestArchivedCommitMicros: number | null,
  observation: ArchiveObservation | undefined,
): number | null {
  const since =
    observation === undefined
      ? newestArchivedCommitMicros
      : (observation.unarchivedSinceMicros ?? (observation.failedSince ? observation.observedAtMicros : null));
  if (since === null) return observation === undefined ? null : 0;
  return Math.max(0, (nowMicros - since) / 1_000_000);
}

/**
 * The oldest commit a pass leaves unarchived, in seconds since the epoch: in the first closed
 * file it left for the next pass (its creation time, which no commit in it precedes), else in
 * the active binlog; null when there is none. Undefined when the survey cannot tell (an agent
 * that predates it).
 */
export function unarchivedSinceSeconds(survey: BinlogSurvey, leftForNextPass: readonly string[]): number | null | undefined {
  const first = leftForNextPass[0];
  if (first !== undefined) return survey.closed.find((f) => f.name === first)?.createdSeconds;
  return survey.activeFirstTransactionSeconds;
}
