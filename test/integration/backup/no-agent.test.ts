import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import type { WorkflowHandle } from '@temporalio/client';
import type { ClusterStatus } from '../../../client/status/cluster-status';
import { backupProgressQuery, type baseBackupWorkflow, binlogArchiveWorkflow } from '../../../workflows';
import { NO_AGENT_POLLING } from '../../../workflows/agent-queue-watch';
import { agentTaskQueue, CENTRAL_TASK_QUEUE } from '../../../domain/task-queues';
import { testStack } from '../../harness/env';
import { recordHistory } from '../../harness/histories';
import { freshDbInstance } from '../../harness/instances';
import { waitFor } from '../../harness/wait';
import { registerTestCluster, startTestCentralWorkers, startTestCluster, temporalClient } from '../../harness/workers';

const centralReady = startTestCentralWorkers();
const cli = resolve(__dirname, '../../../client/cli.js');
const env = () => ({ ...process.env, PITR_CONFIG: testStack().configs.central });
/** Seconds, not the minutes a silent wait took before an operator looked. */
const SOON_MS = 20_000;

async function pitr(...args: string[]): Promise<string> {
  return (await promisify(execFile)(process.execPath, [cli, ...args], { env: env() })).stdout;
}

/** What the Temporal UI shows of a run: its search attribute and its current details. */
async function uiView(handle: WorkflowHandle): Promise<{ attribute: string | undefined; details: string }> {
  const [described, metadata] = await Promise.all([
    handle.describe(),
    handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata'),
  ]);
  return { attribute: described.typedSearchAttributes.get(NO_AGENT_POLLING), details: metadata.currentDetails ?? '' };
}

test('with no agent polling its queue, a backup and an archive pass say so within seconds in pitr backup --wait, pitr status and the Temporal UI; an agent clears it', async () => {
  await centralReady;
  const db = await freshDbInstance('mariadb');
  const ids = { tenantId: 't-no-agent', clusterId: `c-idle-${process.pid}`, engine: 'mariadb-dump' as const };
  await registerTestCluster(db, ids);
  const queue = agentTaskQueue(ids.tenantId, ids.clusterId);
  const missing = `no agent is polling task queue ${queue} for ${ids.tenantId}/${ids.clusterId} — start \`pitr agent --config <agent configuration of ${ids.tenantId}/${ids.clusterId}>\` on the database host`;

  const backup = spawn(process.execPath, [cli, 'backup', '--tenant', ids.tenantId, '--cluster', ids.clusterId, '--wait'], { env: env() });
  let stdout = '';
  let stderr = '';
  backup.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  backup.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(backup, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  try {
    const client = await temporalClient();
    const archive = await client.workflow.start(binlogArchiveWorkflow, {
      taskQueue: CENTRAL_TASK_QUEUE,
      workflowId: `archive-${ids.clusterId}`,
      args: [{ tenantId: ids.tenantId, clusterId: ids.clusterId }],
    });

    await waitFor('pitr backup --wait to name the queue no agent polls', () => stderr.includes(`— waiting: ${missing}`), SOON_MS);
    const line = stderr.split('\n').find((l) => l.includes('waiting:'))!;
    const backupId = /^(\S+): prepare +0\.0 MB — waiting: /.exec(line)?.[1];
    assert.ok(backupId, `a progress line of the prepare phase: ${line}`);
    const handle = client.workflow.getHandle<typeof baseBackupWorkflow>(backupId);

    let status: ClusterStatus | undefined;
    await waitFor(
      'pitr status to name the queue for both runs',
      async () => {
        status = JSON.parse(await pitr('status', '--tenant', ids.tenantId, '--cluster', ids.clusterId, '--json')) as ClusterStatus;
        return status.running.length === 2 && status.running.every((w) => w.noAgentPolling !== null);
      },
      SOON_MS,
    );
    const runs = new Map(status!.running.map((w) => [w.workflowId, w]));
    for (const id of [backupId, archive.workflowId])
      assert.deepEqual(runs.get(id)?.noAgentPolling, { taskQueue: queue, message: missing }, id);
    assert.deepEqual(
      runs.get(backupId)?.pending.map((a) => a.activity),
      ['prepareBackup'],
      'the watcher is not listed as a phase',
    );
    assert.deepEqual(
      runs.get(archive.workflowId)?.pending.map((a) => a.activity),
      ['surveyBinlogs'],
    );
    assert.ok((await pitr('status', '--tenant', ids.tenantId, '--cluster', ids.clusterId)).includes(`waiting: ${missing}`));

    assert.equal((await handle.query(backupProgressQuery)).noAgentPolling?.taskQueue, queue);
    for (const run of [handle, archive]) {
      const ui = await uiView(run);
      assert.equal(ui.attribute, queue, `${run.workflowId}: NoAgentPolling`);
      assert.ok(ui.details.endsWith(`**waiting**: ${missing}`), `${run.workflowId} details: ${ui.details}`);
    }
    assert.match((await uiView(handle)).details, /^\*\*prepare\*\* — checking headroom/);

    await startTestCluster(db, ids);
    const [code] = await exited;
    assert.equal(code, 0, stderr);
    const archived = await archive.result();
    assert.ok(archived.server.key, 'the archive pass surveyed the server');
    assert.match(stdout, new RegExp(`^backup ${backupId}\\n {2}engine {6}mariadb-dump\\n`));
    for (const run of [handle, archive]) {
      const ui = await uiView(run);
      assert.equal(ui.attribute, undefined, `${run.workflowId}: NoAgentPolling cleared`);
      assert.doesNotMatch(ui.details, /waiting/);
    }
    assert.equal((await handle.query(backupProgressQuery)).noAgentPolling, undefined);
    await recordHistory(handle, 'baseBackupWorkflow.no-agent-polling');
    assert.ok((await handle.result()).manifestKey, 'the backup registered its manifest');
  } finally {
    if (backup.exitCode === null) backup.kill('SIGKILL');
  }
});
