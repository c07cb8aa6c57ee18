/**
 * How often an archive pass runs: the Temporal Schedule's interval, and the margin the
 * rotation rule keeps so that the next pass would not already be too late.
 */
export const ARCHIVE_INTERVAL_SECONDS = 60;

/**
 * The active binlog is never archived while open, so its transactions reach the archive only
 * after a rotation. Rotate when the oldest transaction in it would be older than the cluster's
 * RPO target by the next pass; an active binlog without transactions is left alone, so an idle
 * server does not fill its binlog folder with empty files.
 */
export function rotationDue(input: { oldestUnarchivedSeconds: number | undefined; nowSeconds: number; rpoSeconds: number }): boolean {
  if (input.oldestUnarchivedSeconds === undefined) return false;
  return input.nowSeconds - input.oldestUnarchivedSeconds + ARCHIVE_INTERVAL_SECONDS >= input.rpoSeconds;
}
