import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { createConnection } from 'mysql2/promise';
import { scheduleId } from '../../../client/schedule/schedules';
import { baseBackupWorkflow } from '../../../workflows';
import { CENTRAL_TASK_QUEUE } from '../../../domain/task-queues';
import { testStack } from '../../harness/env';
import { freshDbInstance } from '../../harness/instances';
import { startTestCentralWorkers, startTestCluster, temporalClient } from '../../harness/workers';

const centralReady = startTestCentralWorkers();
const cli = resolve(__dirname, '../../../client/cli.js');
const pitr = async (...args: string[]) =>
  (
    await promisify(execFile)(process.execPath, [cli, 'schedule', ...args], {
      env: { ...process.env, PITR_CONFIG: testStack().configs.central },
    })
  ).stdout;

test('backup, archive and restore-verify schedules are created once, updated in place, triggered, paused and deleted', async () => {
  await centralReady;
  const db = await freshDbInstance('mariadb');
  const conn = await createConnection({ host: db.host, port: db.port, user: db.user, password: db.password });
  await conn.query('CREATE DATABASE d');
  await conn.end();
  const ids = { tenantId: 't-sched', clusterId: `c-sched-${process.pid}`, engine: 'mariadb-dump' as const };
  await startTestCluster(db, ids);
  const target = ['--kind', 'backup', '--tenant', ids.tenantId, '--cluster', ids.clusterId];
  const id = scheduleId('backup', ids.tenantId, ids.clusterId);

  assert.equal(await pitr('create', ...target, '--cron', '0 2 * * *', '--timezone', 'Europe/Paris'), `created: ${id}\n`);
  assert.equal(await pitr('create', ...target, '--cron', '30 3 * * *', '--timezone', 'Europe/Paris'), `updated: ${id}\n`);
  const mine = (JSON.parse(await pitr('list', '--json')) as Array<{ scheduleId: string }>).filter((s) => s.scheduleId === id);
  assert.equal(mine.length, 1, 'listed once');
  const described = JSON.parse(await pitr('describe', ...target, '--json'));
  assert.equal(described.timezone, 'Europe/Paris');
  assert.match(described.nextRuns[0], /T0[12]:30:00\.000Z$/, '03:30 in Paris is 01:30 or 02:30 UTC');

  await pitr('trigger', ...target);
  const client = await temporalClient();
  let workflowId: string | undefined;
  for (let i = 0; i < 100 && !workflowId; i += 1) {
    workflowId = (await client.schedule.getHandle(id).describe()).info.recentActions[0]?.action.workflow.workflowId;
    if (!workflowId) await sleep(200);
  }
  assert.match(workflowId ?? '', new RegExp(`^${id}-\\d{4}-\\d\\d-\\d\\dT`), 'the run is named after the cluster and its scheduled time');
  const result = await client.workflow.getHandle(workflowId!).result();
  assert.match(result.coordinate.gtidExecuted, /^0-1-\d+$/);

  const archiveTarget = ['--kind', 'archive', '--tenant', ids.tenantId, '--cluster', ids.clusterId];
  assert.equal(
    await pitr('create', ...archiveTarget, '--cron', '* * * * *'),
    `created: ${scheduleId('archive', ids.tenantId, ids.clusterId)}\n`,
  );
  await pitr('trigger', ...archiveTarget);
  let archiveRun: string | undefined;
  for (let i = 0; i < 100 && !archiveRun; i += 1) {
    archiveRun = (await client.schedule.getHandle(scheduleId('archive', ids.tenantId, ids.clusterId)).describe()).info.recentActions[0]
      ?.action.workflow.workflowId;
    if (!archiveRun) await sleep(200);
  }
  const pass = await client.workflow.getHandle(archiveRun!).result();
  assert.ok(Array.isArray(pass.archived), 'an archive pass ran from its schedule');
  await pitr('delete', ...archiveTarget);

  const verifyTarget = ['--kind', 'restore-verify', '--tenant', ids.tenantId, '--cluster', ids.clusterId];
  await pitr('create', ...verifyTarget, '--cron', '0 4 * * 0');
  assert.equal(JSON.parse(await pitr('describe', ...verifyTarget, '--json')).workflowType, 'restoreVerificationWorkflow');
  await pitr('delete', ...verifyTarget);

  await pitr('pause', ...target);
  assert.equal(JSON.parse(await pitr('describe', ...target, '--json')).paused, true);
  await pitr('unpause', ...target);
  await pitr('delete', ...target);
  assert.equal(
    (JSON.parse(await pitr('list', '--json')) as Array<{ scheduleId: string }>).some((s) => s.scheduleId === id),
    false,
  );

  await assert.rejects(pitr('create', ...target, '--cron', 'nightly'), (err: unknown) => {
    const e = err as { code: number; stderr: string };
    assert.equal(e.code, 2);
    assert.match(e.stderr, /"nightly" is not a five-field cron expression/);
    return true;
  });
});

test('a schedule of the earlier dash-joined id is found and moved only by its own cluster, never by the other reading of that id', async () => {
  const client = await temporalClient();
  const cluster = `c-${process.pid}`;
  const [owner, other] = [
    { tenantId: 't-legacy', clusterId: cluster },
    { tenantId: 't', clusterId: `legacy-${cluster}` },
  ];
  const legacyId = `backup-${owner.tenantId}-${owner.clusterId}`;
  assert.equal(legacyId, `backup-${other.tenantId}-${other.clusterId}`, 'both clusters read the same id under the earlier scheme');
  await client.schedule.create({
    scheduleId: legacyId,
    spec: { cronExpressions: ['0 2 * * *'] },
    action: { type: 'startWorkflow', workflowType: baseBackupWorkflow, args: [owner], taskQueue: CENTRAL_TASK_QUEUE, workflowId: legacyId },
    memo: { ...owner, kind: 'backup' },
    state: { paused: true, note: 'paused for the migration' },
  });
  const targetOf = (c: typeof owner) => ['--kind', 'backup', '--tenant', c.tenantId, '--cluster', c.clusterId];

  assert.equal(JSON.parse(await pitr('describe', ...targetOf(owner), '--json')).scheduleId, legacyId, 'its owner still finds it');
  await assert.rejects(pitr('describe', ...targetOf(other), '--json'), 'the other cluster does not see it as its own');
  assert.equal(
    await pitr('create', ...targetOf(other), '--cron', '0 3 * * *'),
    `created: ${scheduleId('backup', other.tenantId, other.clusterId)}\n`,
  );
  assert.deepEqual(
    (await client.schedule.getHandle(legacyId).describe()).memo,
    { ...owner, kind: 'backup' },
    "creating the other cluster's left it alone",
  );

  const moved = scheduleId('backup', owner.tenantId, owner.clusterId);
  assert.equal(await pitr('create', ...targetOf(owner), '--cron', '0 2 * * *'), `updated: ${moved}\n`);
  const ids = (JSON.parse(await pitr('list', '--json')) as Array<{ scheduleId: string }>).map((s) => s.scheduleId);
  assert.equal(ids.includes(legacyId), false, 'the schedule under the earlier id is gone');
  const described = JSON.parse(await pitr('describe', ...targetOf(owner), '--json'));
  assert.equal(described.scheduleId, moved);
  assert.equal(described.paused, true, 'it stays paused');
  await pitr('delete', ...targetOf(owner));
  await pitr('delete', ...targetOf(other));
});
