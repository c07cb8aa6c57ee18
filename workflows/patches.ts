/**
 * Every patch id the workflows pass to `patched()`. Recorded histories carry these strings as
 * markers, so a value never changes once released; a new behaviour gets a new id here.
 */
export const PATCHES = {
  /** Agent activities go to the tenant's own agent queue instead of the one named after the cluster only. */
  agentQueuePerTenant: 'agent-task-queue-per-tenant',
  /** A cancelled agent phase is waited for until its tool has stopped. */
  waitForCancelledAgent: 'agent-phases-wait-for-cancellation',
  /** Runs watch whether an agent polls their agent queue. */
  watchAgentQueue: 'watch-agent-queue-pollers',
  /** Archive passes record their outcome (and what they saw of the server) in the catalog. */
  recordArchivePass: 'archive-records-pass-outcome',
  /** Verification holds the backup against retention, records it verified and starts the cluster's expiry. */
  retention: 'retention',
  /** Restores hold the artifacts they read against retention. */
  restoreHolds: 'restore-holds',
  /** Restores claim a restore host on their release's queue and run every later step on that host's own queue. */
  restoreHostQueues: 'restore-host-queues',
  /** The survey reads creation times only of the closed binlogs after the archive's newest file. */
  surveyNewFilesOnly: 'survey-new-files-only',
  /** The binlog stream seals pieces of the binlogs it receives every moment, and archive passes of a streamed cluster no longer take whole files. */
  streamSealsPieces: 'stream-seals-pieces',
  /** A stream that stops on a terminal failure (a reset server, a refused account) raises the stream-stopped alert first. */
  streamStopAlert: 'stream-stop-alert',
} as const;
