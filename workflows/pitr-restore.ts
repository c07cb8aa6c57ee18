import { CancellationScope, condition, defineQuery, defineSignal, log, patched, proxyActivities, setCurrentDetails, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { CentralRestoreActivities, HostRestoreActivities, RestoreSiteRef } from '../activities/restore/types';
import type { RetentionActivities } from '../activities/retention/types';
import { describeTarget } from '../domain/restore/target';
import {
  RESTORE_TASK_QUEUE,
  type PitrRestoreInput,
  type PitrRestoreResult,
  type RestorePhase,
  type RestoreProgress,
} from '../domain/restore/workflow-types';

export const restoreProgressQuery = defineQuery<RestoreProgress>('progress');
/** Keeps the restored instance this many more milliseconds from now (or from the current deadline, if later). */
export const extendRestoreSignal = defineSignal<[number]>('extend');
/** Tears the kept instance down now. */
export const releaseRestoreSignal = defineSignal('release');

const TERMINAL = [
  'InvalidInputError', 'RestoreRefusedError', 'RestoreTargetError', 'ManifestRejectedError', 'ManifestMismatchError', 'ArtifactCorruptError',
  'ApplyPlanError', 'ApplyVerificationError', 'RestoreVerificationError',
  // A stalled apply is reported, not retried on the same half-applied server.
  'ApplyStalledError',
];

const retry = (maximumAttempts: number) => ({
  initialInterval: '5 seconds',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  maximumAttempts,
  nonRetryableErrorTypes: TERMINAL,
});

const central = proxyActivities<CentralRestoreActivities>({ startToCloseTimeout: '2 minutes', retry: retry(10) });
const retention = proxyActivities<RetentionActivities>({ startToCloseTimeout: '2 minutes', retry: retry(10) });
// Long steps heartbeat every few seconds: a stalled one is timed out by its heartbeat, not its hours-long budget.
const host = proxyActivities<HostRestoreActivities>({
  taskQueue: RESTORE_TASK_QUEUE,
  startToCloseTimeout: '12 hours',
  heartbeatTimeout: '1 minute',
  retry: retry(3),
});
const release = proxyActivities<HostRestoreActivities>({ taskQueue: RESTORE_TASK_QUEUE, startToCloseTimeout: '5 minutes', retry: retry(10) });

function message(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause;
  return cause instanceof Error ? cause.message : err instanceof Error ? err.message : String(err);
}

/**
 * Restores a cluster to an instant, a GTID set or `latest` on an ephemeral instance, and
 * proves it: plan (catalog only) → restore the base backup (signed manifest and artifact
 * checksum checked first) → fetch and apply the archived binlogs exactly to the target through
 * the replication applier → verify → keep for `keepForMs` (durable timer; `extend`/`release`
 * signals) or tear down. The outcome is recorded in the catalog and logged as
 * `restore.success` / `restore.failure` with duration and target.
 */
export async function pitrRestoreWorkflow(input: PitrRestoreInput): Promise<PitrRestoreResult> {
  const { tenantId, clusterId, target } = input;
  const restoreId = workflowInfo().workflowId;
  const started = Date.now();
  const progress: RestoreProgress = {
    phase: 'planning', backupId: null, segments: 0, appliedThrough: null, throughGtid: null, throughCommit: null, verification: null, instance: null, keptUntil: null, error: null,
  };
  setHandler(restoreProgressQuery, () => progress);
  const enter = (phase: RestorePhase, detail: string): void => {
    progress.phase = phase;
    setCurrentDetails(`**${phase}** — ${detail}`);
  };
  upsertSearchAttributes({ TenantId: [tenantId], ClusterId: [clusterId] });
  let keptUntil = 0;
  let released = false;
  setHandler(extendRestoreSignal, (ms) => {
    keptUntil = Math.max(keptUntil, Date.now()) + ms;
  });
  setHandler(releaseRestoreSignal, () => {
    released = true;
  });

  enter('planning', describeTarget(target));
  let site: RestoreSiteRef | undefined;
  let backupId: string | null = null;
  let holding = false;
  const releaseHolds = async () => {
    if (holding) await retention.releaseHolds({ tenantId, clusterId, holder: restoreId });
  };
  try {
    const plan = await central.planRestore({ tenantId, clusterId, target });
    // Retention never expires what a running restore reads; a hold it finds expired already fails the restore.
    if (patched('restore-holds')) {
      holding = true;
      const segments = plan.segments.map((s) => ({ serverKey: s.serverKey, file: s.file }));
      await retention.holdArtifacts({ tenantId, clusterId, holder: restoreId, backupIds: [plan.backup.backupId], segments });
    }
    backupId = plan.backup.backupId;
    progress.backupId = backupId;
    progress.segments = plan.segments.length;
    site = { restoreId, flavor: plan.flavor };

    enter('restoring-base', `backup ${plan.backup.backupId} (${plan.backup.engine})`);
    const base = await host.restoreBase({ ...site, plan });
    enter('fetching-binlogs', `${plan.segments.length} archived binlogs`);
    const fetched = await host.fetchSegments({ ...site, plan });
    enter('applying', `to ${describeTarget(target)}${plan.throughGtid ? ` (through ${plan.throughGtid})` : ''}`);
    const applied = await host.applyToTarget({ ...site, plan, server: base.server, files: fetched.files, stallSeconds: input.applyStallSeconds });
    progress.appliedThrough = applied.appliedThrough;
    progress.throughGtid = plan.throughGtid;
    progress.throughCommit = plan.throughCommit;
    let verification: PitrRestoreResult['verification'] = null;
    if (input.verify !== false) {
      enter('verifying', 'GTID state and every table at the target');
      verification = await host.verifyRestore({ plan, server: base.server, schemaTables: base.schemaTables });
      progress.verification = verification;
    }
    const instance = { host: base.server.host, port: base.server.port, socket: base.server.socket, user: base.server.user, optionFile: base.server.optionFile };
    const durationMs = Date.now() - started;
    await central.recordRestoreOutcome({
      restoreId, tenantId, clusterId, target, status: 'succeeded', backupId, appliedThrough: applied.appliedThrough,
      throughCommit: plan.throughCommit, failure: null, startedAt: new Date(started).toISOString(), durationMs,
    });
    log.info('restore.success', { restoreId, tenantId, clusterId, target: describeTarget(target), durationMs, backupId, appliedThrough: applied.appliedThrough });
    const result: PitrRestoreResult = {
      restoreId, backupId: plan.backup.backupId, appliedThrough: applied.appliedThrough, throughGtid: plan.throughGtid, throughCommit: plan.throughCommit,
      heldBack: plan.heldBack ?? null, transactionsApplied: applied.transactionsApplied, verification, instance: null, durationMs,
    };

    if (input.keepForMs !== undefined && input.keepForMs > 0) {
      keptUntil = Math.max(keptUntil, Date.now()) + input.keepForMs;
      progress.instance = instance;
      result.instance = instance;
      while (!released && Date.now() < keptUntil) {
        const deadline = keptUntil;
        progress.keptUntil = new Date(deadline).toISOString();
        enter('kept', `at ${instance.host}:${instance.port} until ${progress.keptUntil}`);
        await condition(() => released || keptUntil !== deadline, deadline - Date.now());
      }
    }
    enter('tearing-down', 'stopping the restored instance');
    await release.releaseRestore(site);
    await releaseHolds();
    progress.instance = null;
    progress.keptUntil = null;
    enter('done', `restored to ${describeTarget(target)}`);
    return result;
  } catch (err) {
    progress.error = message(err);
    enter('failed', progress.error);
    const durationMs = Date.now() - started;
    const failure = progress.error;
    // A cancelled restore still tears its instance down and records why it ended.
    await CancellationScope.nonCancellable(async () => {
      if (site) await release.releaseRestore(site);
      await releaseHolds();
      await central.recordRestoreOutcome({
        restoreId, tenantId, clusterId, target, status: 'failed', backupId, appliedThrough: progress.appliedThrough, throughCommit: null,
        failure, startedAt: new Date(started).toISOString(), durationMs,
      });
    });
    log.error('restore.failure', { restoreId, tenantId, clusterId, target: describeTarget(target), durationMs, error: progress.error });
    throw err;
  }
}
