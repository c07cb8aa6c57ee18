import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createConnection } from 'mysql2/promise';
import { loadAgentConfig } from '../../../adapters/config/config';
import { freePort } from '../../../adapters/servers/process';
import { testStack } from '../../harness/env';
import { freshDbInstance } from '../../harness/instances';
import { startBackup, startTestCluster } from '../../harness/workers';
import { binlogArchiveWorkflow } from '../../../workflows';
import { CENTRAL_TASK_QUEUE } from '../../../domain/task-queues';

const cli = resolve(__dirname, '../../../client/cli.js');

async function scrape(port: number): Promise<string> {
  return (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
}

test('`pitr worker --metrics` serves backup and archive metrics by cluster beside the SDK’s on one page', async () => {
  const port = await freePort();
  const worker = spawn(process.execPath, [cli, 'worker', '--metrics', `127.0.0.1:${port}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, PITR_CONFIG: testStack().configs.central },
  });
  let stderr = '';
  worker.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  try {
    // The SDK's metrics appear once the workers run: without them, every workflow below would wait for ever.
    let started = '';
    for (let i = 0; i < 300 && !/^temporal_/m.test(started); i += 1) {
      await sleep(200);
      started = await scrape(port).catch(() => '');
    }
    assert.match(started, /^temporal_/m, `pitr worker started no worker within 60 s; its output:\n${stderr}`);
    const db = await freshDbInstance('mariadb');
    const conn = await createConnection({ host: db.host, port: db.port, user: db.user, password: db.password });
    await conn.query('CREATE DATABASE d');
    await conn.end();
    const ids = { tenantId: 't-metrics', clusterId: `c-metrics-${process.pid}`, engine: 'mariadb-dump' as const };
    await startTestCluster(db, ids);
    const { client, handle } = await startBackup({ tenantId: ids.tenantId, clusterId: ids.clusterId });
    await handle.result();
    await client.workflow.execute(binlogArchiveWorkflow, {
      taskQueue: CENTRAL_TASK_QUEUE,
      workflowId: `archive-${ids.clusterId}`,
      args: [{ tenantId: ids.tenantId, clusterId: ids.clusterId }],
    });

    // A cluster whose agent has a wrong database password: its archive pass fails.
    const denied = { tenantId: ids.tenantId, clusterId: `c-denied-${process.pid}`, engine: 'mariadb-dump' as const };
    const template = loadAgentConfig(testStack().configs.agents.mariadb);
    await startTestCluster(db, denied, {
      database: { ...template.database, host: db.host, port: db.port, socket: db.socket, binlogDir: db.binlogDir, password: 'wrong' },
    });
    await assert.rejects(
      client.workflow.execute(binlogArchiveWorkflow, {
        taskQueue: CENTRAL_TASK_QUEUE,
        workflowId: `archive-${denied.clusterId}`,
        args: [denied],
      }),
      /Workflow execution failed/,
    );

    const page = await scrape(port);
    const cluster = (c: { tenantId: string; clusterId: string }) => `tenant="${c.tenantId}",cluster="${c.clusterId}"`;
    assert.match(
      page,
      new RegExp(`^pitr_backup_duration_seconds_count\\{${cluster(ids)},engine="mariadb-dump",outcome="completed"\\} 1$`, 'm'),
    );
    assert.match(page, new RegExp(`^pitr_backup_bytes_total\\{${cluster(ids)},engine="mariadb-dump",form="stored"\\} [1-9]\\d*$`, 'm'));
    const rpo = new RegExp(`^pitr_archive_rpo_seconds\\{${cluster(ids)}\\} ([0-9.e+-]+)$`, 'm').exec(page);
    assert.ok(rpo && Number(rpo[1]) >= 0 && Number(rpo[1]) < 600, 'the archive RPO of the cluster is exported');
    assert.match(page, new RegExp(`^pitr_archive_last_pass_success\\{${cluster(ids)}\\} 1$`, 'm'));
    assert.match(page, new RegExp(`^pitr_archive_last_pass_success\\{${cluster(denied)}\\} 0$`, 'm'));
    assert.match(page, new RegExp(`^pitr_archive_pass_failures_total\\{${cluster(denied)}\\} 1$`, 'm'));
    assert.doesNotMatch(page, new RegExp(`^pitr_archive_pass_failures_total\\{${cluster(ids)}\\}`, 'm'));
    assert.match(page, /^temporal_workflow_completed\{.*\} [1-9]/m, 'the SDK’s own metrics are on the same page');
  } finally {
    worker.kill('SIGTERM');
    await new Promise((r) => worker.once('exit', r));
  }
});
