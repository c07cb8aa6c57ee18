import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { freePort } from '../../../adapters/servers/process';
import { startTemporalServer, stopTemporalServer } from '../../../devstack/temporal-server';
import { backupWorkflowId } from '../../../domain/backup';
import { baseBackupWorkflow } from '../../../workflows';
import { startAgentWorker } from '../../../workers/agent-worker';
import { startCentralWorkers } from '../../../workers/central-worker';
import { CENTRAL_TASK_QUEUE } from '../../../domain/task-queues';
import { testStack } from '../../harness/env';
import { freshDbInstance } from '../../harness/instances';
import { centralConfig, registerTestCluster } from '../../harness/workers';
import { workflowBundle } from '../../harness/workflow-bundle';
import { loadIncompressibleRows } from '../../harness/data';

test('a backup survives the Temporal server restarting in the middle of it', async () => {
  // A Temporal server of its own, keeping its history on disk, so it can be restarted.
  const dir = mkdtempSync(join(testStack().stateDir, 'temporal-restart-'));
  const port = await freePort();
  const temporal = await startTemporalServer({ dir, port, persistent: true });
  after(() => stopTemporalServer(dir));
  const db = await freshDbInstance('mysql');
  await loadIncompressibleRows(db, 12_000);
  const ids = { tenantId: 't-temporal', clusterId: `c-temporal-${process.pid}`, engine: 'mysqldump' as const };
  const central = { ...centralConfig(), temporal: { address: temporal.address, namespace: 'default' } };
  const centralWorkers = await startCentralWorkers(central, ['central', 'verify'], await workflowBundle());
  const agentConfig = await registerTestCluster(db, ids, { throttle: { uploadMBps: 2 } });
  const workers = [centralWorkers, await startAgentWorker({ ...agentConfig, temporal: central.temporal })];
  const running = Promise.all(workers.map((w) => w.run()));
  const connection = await Connection.connect({ address: temporal.address });
  try {
    const client = new Client({ connection });
    const workflowId = backupWorkflowId(ids.tenantId, ids.clusterId, new Date());
    await client.workflow.start(baseBackupWorkflow, { taskQueue: CENTRAL_TASK_QUEUE, workflowId, args: [ids] });
    const handle = client.workflow.getHandle<typeof baseBackupWorkflow>(workflowId);
    while (!(await handle.describe()).raw.pendingActivities?.some((a) => a.activityType?.name === 'uploadArtifact')) await sleep(100);

    await stopTemporalServer(dir);
    await sleep(1000);
    await startTemporalServer({ dir, port, persistent: true });

    const result = await handle.result();
    assert.ok(result.artifact && result.manifestKey, 'the backup completed after the restart');
  } finally {
    for (const w of workers) w.shutdown();
    await running;
    await Promise.all(workers.map((w) => w.close()));
    await connection.close();
  }
});
