import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  defineQuery,
  ParentClosePolicy,
  patched,
  proxyActivities,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { AgentBackupActivities, CentralBackupActivities } from '../activities/backup/types';
import {
  type BackupPhase,
  type BackupProgress,
  type BackupRef,
  type BaseBackupInput,
  type BaseBackupResult,
  ENGINES_BY_FLAVOR,
} from '../domain/backup';
import { agentTaskQueue, legacyAgentTaskQueue, VERIFY_TASK_QUEUE } from '../domain/task-queues';
import { AgentQueueWatch } from './agent-queue-watch';
import { backupVerificationWorkflow } from './backup-verification';
import { PATCHES } from './patches';

export const backupProgressQuery = defineQuery<BackupProgress>('progress');

const retry = (maximumAttempts: number) => ({
  initialInterval: '5 seconds',
  backoffCoefficient: 2,
  maximumInterval: '5 minutes',
  maximumAttempts,
});

/** Activities that heartbeat name a heartbeat timeout: a crashed worker is then noticed in seconds, not at the end of the budget. */
function central(heartbeatTimeout?: string) {
  return proxyActivities<CentralBackupActivities>({
    startToCloseTimeout: '2 minutes',
    ...(heartbeatTimeout ? { heartbeatTimeout } : {}),
    retry: retry(10),
  });
}

/**
 * A base backup that becomes a verified recovery coordinate: five phases, each an
 * idempotent activity. Phases 1–4 run on the cluster's agent (they share its staging
 * folder); registration runs centrally, where the catalog and the signing key live.
 */
export async function baseBackupWorkflow(input: BaseBackupInput): Promise<BaseBackupResult> {
  const { tenantId, clusterId } = input;
  const backupId = workflowInfo().workflowId;
  const startedAt = workflowInfo().startTime.toISOString();
  const progress: BackupProgress = { phase: 'prepare', bytesDone: 0, lastError: undefined };
  const watch = new AgentQueueWatch(tenantId, clusterId);
  setHandler(backupProgressQuery, () => ({ ...progress, noAgentPolling: watch.waiting }));
  const enter = (phase: BackupPhase, detail: string): void => {
    progress.phase = phase;
    upsertSearchAttributes({ BackupPhase: [phase] });
    watch.details(`**${phase}** — ${detail}`);
  };
  upsertSearchAttributes({ TenantId: [tenantId], ClusterId: [clusterId] });

  const cluster = await central().loadCluster({ tenantId, clusterId });
  const engine = input.engine ?? cluster.defaultEngine;
  if (!ENGINES_BY_FLAVOR[cluster.flavor].includes(engine)) {
    throw ApplicationFailure.nonRetryable(`engine ${engine} cannot back up a ${cluster.flavor} cluster`, 'InvalidInputError');
  }
  const ref: BackupRef = { tenantId, clusterId, backupId, engine };
  // A cancelled phase is waited for until its tool has stopped: removing staging under a tool
  // still writing into it would leave files behind (or fail the tool on a vanished folder).
  const agent = (phase: BackupPhase, summary: string, timeout: string, heartbeat?: string) => {
    const taskQueue = patched(PATCHES.agentQueuePerTenant) ? agentTaskQueue(tenantId, clusterId) : legacyAgentTaskQueue(clusterId);
    const activities = proxyActivities<AgentBackupActivities>({
      taskQueue,
      startToCloseTimeout: timeout,
      ...(heartbeat ? { heartbeatTimeout: heartbeat } : {}),
      ...(patched(PATCHES.waitForCancelledAgent) ? { cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED } : {}),
      retry: retry(phase === 'prepare' ? 20 : 5),
      summary,
    });
    watch.watch(taskQueue);
    return watch.agents(activities);
  };

  try {
    enter('prepare', `checking headroom, DDL and locks on ${clusterId}`);
    const prepared = await agent(
      'prepare',
      `prepare ${engine} backup of ${tenantId}/${clusterId}`,
      '5 minutes',
      '30 seconds',
    ).prepareBackup(ref);

    if (input.dryRun) {
      enter('capture', 'dry run: reading the server’s position and cross-checking it');
      const captured = await agent('capture', `dry-run capture of ${clusterId}`, '5 minutes', '30 seconds').captureCoordinates(ref, {
        dryRun: true,
      });
      enter('register', 'dry run: validating the manifest without writing it');
      const executed = { toolVersion: 'dry-run', bytes: 0, schemaTables: [] };
      await central().validateManifest({ ref, prepared, executed, captured });
      enter('done', `dry run complete at ${captured.coordinate.gtidExecuted || '(empty GTID set)'}`);
      return { backupId, dryRun: true, engine, coordinate: captured.coordinate, artifact: undefined, manifestKey: undefined };
    }

    enter('execute', `${engine} into staging`);
    const executed = await agent('execute', `run ${engine} on ${clusterId}`, '12 hours', '30 seconds').executeBackup(ref);
    progress.bytesDone = executed.bytes;

    enter('capture', 'reading the engine’s consistent point and cross-checking the server');
    const captured = await agent('capture', `capture GTID coordinates of ${clusterId}`, '5 minutes', '30 seconds').captureCoordinates(ref);

    enter('upload', `compress, encrypt and upload ${executed.bytes} bytes`);
    const uploaded = await agent(
      'upload',
      `upload ${engine} backup of ${clusterId} to object storage`,
      '12 hours',
      '30 seconds',
    ).uploadArtifact(ref);
    progress.bytesDone = uploaded.plainBytes;

    enter('register', `validating s3://${uploaded.bucket}/${uploaded.key} and signing its manifest`);
    const registered = await central('30 seconds').registerBackup({ ref, prepared, executed, captured, uploaded, startedAt });

    await startChild(backupVerificationWorkflow, {
      workflowId: `${backupId}-verify`,
      taskQueue: VERIFY_TASK_QUEUE,
      args: [{ ref, manifestKey: registered.manifestKey }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
    enter('done', `registered ${registered.manifestKey}`);
    return { backupId, dryRun: false, engine, coordinate: captured.coordinate, artifact: uploaded, manifestKey: registered.manifestKey };
  } catch (err) {
    const failedPhase = progress.phase;
    progress.lastError = describe(err);
    enter('failed', `${failedPhase}: ${progress.lastError}`);
    if (!input.dryRun) {
      await CancellationScope.nonCancellable(() =>
        central().recordBackupFailure({
          ref,
          phase: failedPhase,
          reason: progress.lastError ?? 'unknown',
          terminal: isTerminal(err),
          startedAt,
        }),
      );
    }
    throw err;
  } finally {
    await CancellationScope.nonCancellable(() => agent('done', `remove staging of ${backupId}`, '10 minutes').removeStaging(ref));
  }
}

function isTerminal(err: unknown): boolean {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  // The activity decided, by the error's type (PitrError.terminal).
  return cause instanceof ApplicationFailure && cause.nonRetryable === true;
}

function describe(err: unknown): string {
  const cause = err instanceof ActivityFailure && err.cause ? err.cause : err;
  return cause instanceof Error ? cause.message : String(cause);
}
