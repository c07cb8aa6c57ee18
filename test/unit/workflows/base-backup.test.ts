import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Context } from '@temporalio/activity';
import { ActivityFailure, ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import type { AgentBackupActivities, CentralBackupActivities, FailureInput } from '../../../activities/backup/types';
import type { Cluster } from '../../../adapters/catalog/clusters';
import type { BackupPhase, BackupRef, BaseBackupResult } from '../../../domain/backup';
import { PitrError } from '../../../domain/errors';
import { baseBackupWorkflow } from '../../../workflows';
import { agentTaskQueue, CENTRAL_TASK_QUEUE } from '../../../domain/task-queues';
import { Calls, workflowTestBed } from './environment';

class StorageBusyError extends PitrError {
  constructor() {
    super('the storage answered 503 SlowDown', { hint: 'retried with backoff', terminal: false });
  }
}

class TamperedInputError extends PitrError {
  constructor() {
    super('the server reported a GTID set that does not parse', { hint: 'check the server', terminal: true });
  }
}

type Behaviour = 'transient-once' | 'terminal' | 'until-cancelled';
type Script = Partial<Record<BackupPhase, Behaviour>>;

const TENANT = 'acme';
const bed = workflowTestBed();
const scripts = new Map<string, { script: Script; calls: Calls }>();
let centralStarted: Promise<void> | undefined;

/** What each phase's stub does for a cluster: succeed, fail once transiently, fail terminally, or run until cancelled. */
async function phase<T>(ref: BackupRef, name: BackupPhase, activity: string, result: T): Promise<T> {
  const { script, calls } = scripts.get(ref.clusterId)!;
  calls.record(activity, ref);
  const behaviour = script[name];
  if (behaviour === 'terminal') throw new TamperedInputError();
  if (behaviour === 'transient-once' && calls.count(activity) === 1) throw new StorageBusyError();
  if (behaviour === 'until-cancelled') {
    const ctx = Context.current();
    try {
      for (;;) {
        ctx.heartbeat();
        await ctx.sleep(200);
      }
    } finally {
      calls.record(`${activity} stopped`, ref);
    }
  }
  return result;
}

const centralActivities: CentralBackupActivities = {
  loadCluster: async ({ tenantId, clusterId }) =>
    ({
      tenantId,
      clusterId,
      flavor: 'mysql',
      defaultEngine: 'mysqldump',
      complianceTier: 'standard',
      rpoSeconds: 300,
    }) as unknown as Cluster,
  validateManifest: async () => undefined,
  registerBackup: ({ ref }) =>
    phase(ref, 'register', 'registerBackup', { backupId: ref.backupId, manifestKey: `manifests/${ref.backupId}.json`, inserted: true }),
  recordBackupFailure: async (input: FailureInput) => scripts.get(input.ref.clusterId)!.calls.record('recordBackupFailure', input),
};

const agentActivities: AgentBackupActivities = {
  prepareBackup: (ref) =>
    phase(ref, 'prepare', 'prepareBackup', {
      flavor: 'mysql',
      serverVersion: '9.7.0',
      serverUuid: undefined,
      serverId: 1,
      lowerCaseTableNames: 0,
      dataBytes: 1000,
      stagingFreeBytes: 1e9,
    }),
  executeBackup: (ref) =>
    phase(ref, 'execute', 'executeBackup', { toolVersion: 'mysqldump 9.7.0', bytes: 1000, schemaTables: ['shop.orders'] }),
  captureCoordinates: (ref) =>
    phase(ref, 'capture', 'captureCoordinates', {
      coordinate: {
        gtidExecuted: '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-77',
        gtidPurged: '',
        binlogFile: 'binlog.000002',
        binlogPosition: 4,
      },
    } as never),
  uploadArtifact: (ref) =>
    phase(ref, 'upload', 'uploadArtifact', {
      bucket: 'pitr',
      key: `base/${ref.backupId}.pitr`,
      storedBytes: 600,
      plainBytes: 1000,
    } as never),
  removeStaging: async (ref) => scripts.get(ref.clusterId)!.calls.record('removeStaging', ref),
};

/** A backup of a cluster of its own, whose agent (on the cluster's own queue) follows `script`. */
async function backUp(clusterId: string, script: Script) {
  const calls = new Calls();
  scripts.set(clusterId, { script, calls });
  const { env, worker } = bed();
  centralStarted ??= worker(CENTRAL_TASK_QUEUE, centralActivities, { workflows: true });
  await Promise.all([centralStarted, worker(agentTaskQueue(TENANT, clusterId), agentActivities)]);
  const handle = await env.client.workflow.start(baseBackupWorkflow, {
    taskQueue: CENTRAL_TASK_QUEUE,
    workflowId: `backup-${clusterId}`,
    args: [{ tenantId: TENANT, clusterId }],
  });
  return { handle, calls };
}

const PHASES: Array<[BackupPhase, string]> = [
  ['prepare', 'prepareBackup'],
  ['execute', 'executeBackup'],
  ['capture', 'captureCoordinates'],
  ['upload', 'uploadArtifact'],
  ['register', 'registerBackup'],
];

describe('BaseBackupWorkflow against stubbed phases', { concurrency: true }, () => {
  for (const [name, activity] of PHASES) {
    test(`a transient failure in ${name} is retried and the backup completes, recording no failure`, async () => {
      const { handle, calls } = await backUp(`transient-${name}`, { [name]: 'transient-once' });
      const result: BaseBackupResult = await handle.result();
      assert.equal(result.manifestKey, `manifests/backup-transient-${name}.json`);
      assert.equal(calls.count(activity), 2, `${activity} ran again after its transient failure`);
      assert.equal(calls.count('recordBackupFailure'), 0);
      assert.equal(calls.count('removeStaging'), 1, 'staging is removed once the backup is done');
    });

    test(`a terminal failure in ${name} ends the backup at once, recorded as terminal, its staging removed`, async () => {
      const { handle, calls } = await backUp(`terminal-${name}`, { [name]: 'terminal' });
      const err = await handle.result().then(
        () => assert.fail('the backup should fail'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof WorkflowFailedError && err.cause instanceof ActivityFailure);
      const cause = err.cause.cause;
      assert.ok(cause instanceof ApplicationFailure);
      assert.deepEqual([cause.type, cause.nonRetryable], ['TamperedInputError', true]);
      assert.equal(calls.count(activity), 1, 'a terminal failure is not retried');
      const later = PHASES.slice(PHASES.findIndex(([p]) => p === name) + 1).map(([, a]) => a);
      assert.deepEqual(
        later.filter((a) => calls.count(a) > 0),
        [],
        'no later phase ran',
      );
      const recorded = calls.inputOf<FailureInput>('recordBackupFailure');
      assert.deepEqual([recorded?.phase, recorded?.terminal], [name, true]);
      assert.match(recorded?.reason ?? '', /does not parse \(what to do: check the server\)/);
      assert.equal(calls.count('removeStaging'), 1);
    });
  }

  test('a backup cancelled while its engine runs waits for the engine to stop, records the failure, then removes staging', async () => {
    const { handle, calls } = await backUp('cancelled-execute', { execute: 'until-cancelled' });
    while (calls.count('executeBackup') === 0) await new Promise((r) => setTimeout(r, 100));
    await handle.cancel();
    const err = await handle.result().then(
      () => assert.fail('the backup should end cancelled'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure);
    assert.equal(calls.inputOf<FailureInput>('recordBackupFailure')?.phase, 'execute');
    const order = calls.names();
    assert.ok(
      order.indexOf('executeBackup stopped') < order.indexOf('removeStaging'),
      `staging is removed only after the engine stopped: ${order.join(', ')}`,
    );
    assert.equal(calls.count('uploadArtifact'), 0);
  });
});
