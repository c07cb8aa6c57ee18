import {
  ApplicationFailure,
  CancellationScope,
  condition,
  defineQuery,
  defineSignal,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { CentralRestoreActivities, HostRestoreActivities, RestoreHostBinding, RestoreSiteRef } from '../activities/restore/types';
import type { RetentionActivities } from '../activities/retention/types';
import type { RestorePlan } from '../domain/restore/plan';
import { describeTarget } from '../domain/restore/target';
import type { PitrRestoreInput, PitrRestoreResult, RestorePhase, RestoreProgress } from '../domain/restore/workflow-types';
import { LEGACY_RESTORE_TASK_QUEUE, restoreQueueOfVersion } from '../domain/task-queues';
import { PATCHES } from './patches';
import { boundSteps, boundTeardown, claimHost, HOST_ATTEMPTS, startsOver } from './restore-host';

export const restoreProgressQuery = defineQuery<RestoreProgress>('progress');
/** Keeps the restored instance this many more milliseconds from now (or from the current deadline, if later). */
export const extendRestoreSignal = defineSignal<[number]>('extend');
/** Tears the kept instance down now. */
export const releaseRestoreSignal = defineSignal('release');

const retry = (maximumAttempts: number) => ({
  initialInterval: '5 seconds',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  maximumAttempts,
});

const central = proxyActivities<CentralRestoreActivities>({ startToCloseTimeout: '2 minutes', retry: retry(10) });
const retention = proxyActivities<RetentionActivities>({ startToCloseTimeout: '2 minutes', retry: retry(10) });
// Restores started before restore hosts had queues of their own: every step on the one shared queue.
const legacyHost = proxyActivities<HostRestoreActivities>({
  taskQueue: LEGACY_RESTORE_TASK_QUEUE,
  startToCloseTimeout: '12 hours',
  heartbeatTimeout: '1 minute',
  retry: retry(3),
});
const legacyRelease = proxyActivities<HostRestoreActivities>({
  taskQueue: LEGACY_RESTORE_TASK_QUEUE,
  startToCloseTimeout: '5 minutes',
  retry: retry(10),
});

function message(err: unknown): string {
  // A cancellation's own message is empty: the catalog and the log still say why the restore ended.
  if (isCancellation(err)) return 'cancelled before it finished';
  const cause = (err as { cause?: unknown }).cause;
  return cause instanceof Error ? cause.message : err instanceof Error ? err.message : String(err);
}

/** The shared queue of the backup's server release, where a host able to run it claims the restore. */
function releaseQueue(plan: RestorePlan): string {
  const queue = plan.backup.serverVersion === undefined ? null : restoreQueueOfVersion(plan.flavor, plan.backup.serverVersion);
  if (queue === null) {
    throw ApplicationFailure.nonRetryable(
      `backup ${plan.backup.backupId} records no server release (${plan.backup.serverVersion ?? 'no version'}): no restore host can be chosen for it`,
      'RestoreRefusedError',
    );
  }
  return queue;
}

/** What a restore host needs room for, as stored: unpacked, the backup takes more. */
const neededBytes = (plan: RestorePlan): number => (plan.backup.sizeBytes ?? 0) + plan.segments.reduce((sum, s) => sum + s.sizeBytes, 0);

/** The teardown of an instance on the host that holds it, failing loudly when that host does not do it. */
async function tearDownOn(binding: RestoreHostBinding, site: RestoreSiteRef): Promise<void> {
  try {
    await boundTeardown(binding).releaseRestore(site);
  } catch (err) {
    throw ApplicationFailure.nonRetryable(
      `restore host ${binding.hostId} did not tear down restore ${site.restoreId}: ${message(err)}; its instance may still run there, and the host removes it once it is back (it sweeps instances of finished restores)`,
      'RestoreTeardownError',
    );
  }
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
    phase: 'planning',
    backupId: null,
    segments: 0,
    appliedThrough: null,
    throughGtid: null,
    throughCommit: null,
    verification: null,
    instance: null,
    keptUntil: null,
    error: null,
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
  /** Tears the instance down where it runs, once there may be one. */
  let teardown: ((site: RestoreSiteRef) => Promise<void>) | undefined;
  let backupId: string | null = null;
  let holding = false;
  const releaseHolds = async () => {
    if (holding) await retention.releaseHolds({ tenantId, clusterId, holder: restoreId });
  };
  try {
    const plan = await central.planRestore({ tenantId, clusterId, target });
    // Retention never expires what a running restore reads; a hold it finds expired already fails the restore.
    if (patched(PATCHES.restoreHolds)) {
      holding = true;
      const segments = plan.segments.map((s) => ({ serverKey: s.serverKey, file: s.file }));
      await retention.holdArtifacts({ tenantId, clusterId, holder: restoreId, backupIds: [plan.backup.backupId], segments });
    }
    backupId = plan.backup.backupId;
    progress.backupId = backupId;
    progress.segments = plan.segments.length;
    const siteRef: RestoreSiteRef = { restoreId, flavor: plan.flavor };
    site = siteRef;

    const restoreOn = async (host: HostRestoreActivities) => {
      enter(
        'restoring-base',
        `backup ${plan.backup.backupId} (${plan.backup.engine})${progress.host ? ` on restore host ${progress.host}` : ''}`,
      );
      const base = await host.restoreBase({ ...siteRef, plan });
      enter('fetching-binlogs', `${plan.segments.length} archived binlogs`);
      const fetched = await host.fetchSegments({ ...siteRef, plan });
      enter('applying', `to ${describeTarget(target)}${plan.throughGtid ? ` (through ${plan.throughGtid})` : ''}`);
      const applied = await host.applyToTarget({
        ...siteRef,
        plan,
        server: base.server,
        files: fetched.files,
        stallSeconds: input.applyStallSeconds,
      });
      progress.appliedThrough = applied.appliedThrough;
      progress.throughGtid = plan.throughGtid;
      progress.throughCommit = plan.throughCommit;
      let verification: PitrRestoreResult['verification'] = null;
      if (input.verify !== false) {
        enter('verifying', 'GTID state and every table at the target');
        verification = await host.verifyRestore({ plan, server: base.server, schemaTables: base.schemaTables });
        progress.verification = verification;
      }
      return { base, applied, verification };
    };

    let restored: Awaited<ReturnType<typeof restoreOn>>;
    if (patched(PATCHES.restoreHostQueues)) {
      // Bound to one host for its whole life; a host that dies or fails takes the restore's attempt with it.
      const queue = releaseQueue(plan);
      for (let attempt = 1; ; attempt++) {
        progress.hostAttempt = attempt;
        enter('restoring-base', `claiming a restore host on ${queue}`);
        const binding = await claimHost(queue, siteRef, neededBytes(plan), (reason) => {
          progress.waiting = reason;
          if (reason !== null) setCurrentDetails(`**${progress.phase}** — waiting: ${reason}`);
        });
        progress.host = binding.hostId;
        teardown = (s) => tearDownOn(binding, s);
        try {
          restored = await restoreOn(boundSteps(binding));
          break;
        } catch (err) {
          if (attempt >= HOST_ATTEMPTS || !startsOver(err)) throw err;
          log.warn('restore.host-attempt-failed', { restoreId, host: binding.hostId, attempt, error: message(err) });
          // What can be cleaned on that host is; a dead host sweeps it once back, after this restore ends.
          await teardown(siteRef).catch((cleanup: unknown) =>
            log.warn('restore.host-cleanup-failed', { restoreId, host: binding.hostId, error: message(cleanup) }),
          );
          teardown = undefined;
          progress.host = null;
        }
      }
    } else {
      teardown = (s) => legacyRelease.releaseRestore(s);
      restored = await restoreOn(legacyHost);
    }
    const { base, applied, verification } = restored;
    const instance = {
      host: base.server.host,
      port: base.server.port,
      socket: base.server.socket,
      user: base.server.user,
      optionFile: base.server.optionFile,
    };
    const durationMs = Date.now() - started;
    await central.recordRestoreOutcome({
      restoreId,
      tenantId,
      clusterId,
      target,
      status: 'succeeded',
      backupId,
      appliedThrough: applied.appliedThrough,
      throughCommit: plan.throughCommit,
      failure: null,
      startedAt: new Date(started).toISOString(),
      durationMs,
    });
    log.info('restore.success', {
      restoreId,
      tenantId,
      clusterId,
      target: describeTarget(target),
      durationMs,
      backupId,
      appliedThrough: applied.appliedThrough,
    });
    const result: PitrRestoreResult = {
      restoreId,
      backupId: plan.backup.backupId,
      appliedThrough: applied.appliedThrough,
      throughGtid: plan.throughGtid,
      throughCommit: plan.throughCommit,
      heldBack: plan.heldBack ?? null,
      transactionsApplied: applied.transactionsApplied,
      verification,
      instance: null,
      durationMs,
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
    enter('tearing-down', `stopping the restored instance${progress.host ? ` on restore host ${progress.host}` : ''}`);
    const tearingDown = teardown;
    // A teardown that failed is not tried again on the way out: it already said why.
    teardown = undefined;
    await tearingDown?.(site);
    await releaseHolds();
    progress.instance = null;
    progress.keptUntil = null;
    enter('done', `restored to ${describeTarget(target)}`);
    return result;
  } catch (err) {
    progress.error = message(err);
    enter('failed', progress.error);
    const durationMs = Date.now() - started;
    let failure = progress.error;
    const tearingDown = teardown;
    // A cancelled restore still tears its instance down and records why it ended.
    await CancellationScope.nonCancellable(async () => {
      if (site && tearingDown) {
        // Restores before host queues: as they ran. Since: a teardown that fails is said, beside the restore's own failure.
        if (progress.hostAttempt === undefined) await tearingDown(site);
        else await tearingDown(site).catch((err: unknown) => (failure = `${failure}; ${message(err)}`));
      }
      await releaseHolds();
      await central.recordRestoreOutcome({
        restoreId,
        tenantId,
        clusterId,
        target,
        status: 'failed',
        backupId,
        appliedThrough: progress.appliedThrough,
        throughCommit: null,
        failure,
        startedAt: new Date(started).toISOString(),
        durationMs,
      });
    });
    log.error('restore.failure', { restoreId, tenantId, clusterId, target: describeTarget(target), durationMs, error: progress.error });
    throw err;
  }
}
