import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { createConnection } from 'mysql2/promise';
import { loadAgentConfig } from '../../../adapters/config/config';
import { binlogArchiveWorkflow } from '../../../workflows';
import { CENTRAL_TASK_QUEUE } from '../../../domain/task-queues';
import type { ClusterStatus } from '../../../client/status/cluster-status';
import { testStack } from '../../harness/env';
import { freshDbInstance, NO_SERVER_PORT } from '../../harness/instances';
import { startBackup, startTestCentralWorkers, startTestCluster } from '../../harness/workers';

const centralReady = startTestCentralWorkers();
const cli = resolve(__dirname, '../../../client/cli.js');

async function status(tenantId: string, clusterId: string): Promise<ClusterStatus> {
  const env = { ...process.env, PITR_CONFIG: testStack().configs.central };
  const { stdout } = await promisify(execFile)(process.execPath, [cli, 'status', '--tenant', tenantId, '--cluster', clusterId, '--json'], {
    env,
  });
  return JSON.parse(stdout) as ClusterStatus;
}

test('pitr status shows the last backup, the archive RPO, and a workflow stuck retrying with its error', async () => {
  await centralReady;
  const db = await freshDbInstance('mariadb');
  const conn = await createConnection({ host: db.host, port: db.port, user: db.user, password: db.password });
  await conn.query('CREATE DATABASE d');
  await conn.end();
  const healthy = { tenantId: 't-status', clusterId: `c-ok-${process.pid}`, engine: 'mariadb-dump' as const };
  await startTestCluster(db, healthy);
  const { client, handle } = await startBackup(healthy);
  const backup = await handle.result();
  await client.workflow.execute(binlogArchiveWorkflow, {
    taskQueue: CENTRAL_TASK_QUEUE,
    workflowId: `archive-${healthy.clusterId}`,
    args: [healthy],
  });

  const ok = await status(healthy.tenantId, healthy.clusterId);
  assert.deepEqual(
    [ok.lastBackup?.backupId, ok.lastBackup?.status, ok.lastBackup?.detail],
    [backup.backupId, 'completed', backup.coordinate.gtidExecuted],
  );
  assert.ok(ok.archive.rpoSeconds !== null && ok.archive.rpoSeconds >= 0);
  assert.deepEqual([ok.archive.windows, ok.archive.gaps, ok.running], [1, [], []]);

  // A cluster whose database is down: the backup retries in prepare, and status says why.
  const template = loadAgentConfig(testStack().configs.agents.mariadb);
  const down = { tenantId: 't-status', clusterId: `c-down-${process.pid}`, engine: 'mariadb-dump' as const };
  await startTestCluster(db, down, { database: { ...template.database, port: NO_SERVER_PORT, socket: '/nonexistent.sock' } });
  const stuck = await startBackup(down);
  try {
    const retried = (s: ClusterStatus | undefined): boolean => (s?.running[0]?.pending[0]?.attempt ?? 0) >= 2;
    let seen: ClusterStatus | undefined;
    for (let i = 0; i < 60 && !retried(seen); i += 1) {
      await sleep(500);
      seen = await status(down.tenantId, down.clusterId);
    }
    const running = seen!.running[0]!;
    assert.equal(running.workflowId, stuck.workflowId);
    assert.equal(running.phase, 'prepare');
    assert.equal(running.pending[0]?.activity, 'prepareBackup');
    assert.ok(running.pending[0]!.attempt >= 2);
    assert.match(running.pending[0]?.lastFailure ?? '', /cannot connect to mariadb/);
  } finally {
    await stuck.handle.terminate('test over');
  }
});
