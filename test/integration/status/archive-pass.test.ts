import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import type { ClusterStatus } from '../../../client/status/cluster-status';
import { microsOf } from '../../../domain/archive/recoverable';
import { productMetrics } from '../../../activities/metrics';
import { binlogArchiveWorkflow } from '../../../workflows';
import { CENTRAL_TASK_QUEUE } from '../../../domain/task-queues';
import { recordHistory } from '../../harness/histories';
import { testStack } from '../../harness/env';
import { freshDbInstance } from '../../harness/instances';
import { startTestCentralWorkers, startTestCluster, temporalClient } from '../../harness/workers';
import {
  archivePass,
  failedPassType,
  insertRows,
  pitrJson,
  recoverableOf,
  sql,
  withCentralCatalog,
  writeAndRotate,
  type ClusterIds,
} from '../archive/archive-harness';

const centralReady = startTestCentralWorkers();
const cli = resolve(__dirname, '../../../client/cli.js');

async function pitrText(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [cli, ...args, '--config', testStack().configs.central]);
  return stdout;
}

/** An archive pass whose history is kept for the replay test (PITR_RECORD_HISTORIES=1), ok or failed. */
async function recordedPass(client: Client, ids: ClusterIds, name: string): Promise<void> {
  const handle = await client.workflow.start(binlogArchiveWorkflow, {
    taskQueue: CENTRAL_TASK_QUEUE,
    workflowId: `archive-${ids.clusterId}-${name}`,
    args: [ids],
  });
  try {
    await handle.result();
  } finally {
    await recordHistory(handle, `binlogArchiveWorkflow.${name}`);
  }
}

const statusOf = (ids: ClusterIds) => pitrJson<ClusterStatus>('status', '--tenant', ids.tenantId, '--cluster', ids.clusterId);

/** The value of one of the product's metrics for a cluster, as this process's workers export it. */
async function metric(name: string, ids: ClusterIds): Promise<number | undefined> {
  const page = await productMetrics.getSingleMetricAsString(name);
  const line = new RegExp(`^${name}\\{tenant="${ids.tenantId}",cluster="${ids.clusterId}"\\} (\\S+)$`, 'm').exec(page);
  return line ? Number(line[1]) : undefined;
}

async function archiveFailedAlerts(ids: ClusterIds): Promise<Array<{ subject: string; message: string }>> {
  return withCentralCatalog((catalog) =>
    catalog.withTenant(
      ids.tenantId,
      async (c) =>
        (
          await c.query<{ subject: string; message: string }>(
            "SELECT subject, message FROM alerts WHERE cluster_id = $1 AND kind = 'archive-failed' ORDER BY alert_id",
            [ids.clusterId],
          )
        ).rows,
    ),
  );
}

test('an idle cluster with everything archived has RPO 0; a commit left unarchived counts from itself; `pitr binlogs list` names its columns', async () => {
  await centralReady;
  const db = await freshDbInstance('mariadb');
  const ids = { tenantId: 't-status', clusterId: `c-idle-${process.pid}`, engine: 'mariadb-dump' as const };
  await startTestCluster(db, ids);
  const client = await temporalClient();
  const conn = await sql(db);
  try {
    await writeAndRotate(conn, 3);
    await recordedPass(client, ids, 'idle-all-archived');

    const idle = await statusOf(ids);
    assert.equal(idle.archive.rpoSeconds, 0, 'nothing committed is unarchived: a disaster now loses nothing');
    assert.notEqual(idle.archive.newestArchivedCommit, null);
    assert.deepEqual([idle.archive.lastPass?.outcome, idle.archive.lastPass?.error], ['ok', null]);
    assert.equal((await recoverableOf(ids)).rpoSeconds, 0);
    assert.equal(await metric('pitr_archive_rpo_seconds', ids), 0);

    const listed = (await pitrText('binlogs', 'list', '--tenant', ids.tenantId, '--cluster', ids.clusterId)).trimEnd().split('\n');
    assert.equal(listed[0], 'SEQ\tSTATUS\tSERVER\tFILE\tTRANSACTIONS\tGTIDS');
    assert.ok(listed.length > 1 && listed.slice(1).every((l) => /^\d+\tarchived\t/.test(l)), listed.join('\n'));

    // The newest archived commit ages; one commit then stays in the active binlog (the RPO target of 300 s is far).
    await sleep(3000);
    const committedAt = Date.now();
    await insertRows(conn, 1);
    await sleep(1500);
    await archivePass(client, ids);
    const busy = await statusOf(ids);
    const sinceCommit = (Date.now() - committedAt) / 1000;
    const sinceNewestArchived = (Date.now() - microsOf(busy.archive.newestArchivedCommit!) / 1000) / 1000;
    assert.ok(
      busy.archive.rpoSeconds !== null && busy.archive.rpoSeconds >= 1,
      `RPO ${busy.archive.rpoSeconds} s counts the unarchived commit`,
    );
    // Its timestamp has whole seconds: it may look up to a second older than it is.
    assert.ok(
      busy.archive.rpoSeconds <= sinceCommit + 1,
      `RPO ${busy.archive.rpoSeconds} s counts from the unarchived commit (${sinceCommit} s ago)`,
    );
    assert.ok(busy.archive.rpoSeconds < sinceNewestArchived - 1, `not from the newest archived one (${sinceNewestArchived} s ago)`);
  } finally {
    await conn.end();
  }
});

test('an archive pass failing on a rotated database password shows in `pitr status` with its error, raises one alert per failing streak and is counted', async () => {
  await centralReady;
  const db = await freshDbInstance('mariadb');
  const ids = { tenantId: 't-status', clusterId: `c-password-${process.pid}`, engine: 'mariadb-dump' as const };
  const agent = (await startTestCluster(db, ids)).database;
  const client = await temporalClient();
  const conn = await sql(db);
  try {
    await writeAndRotate(conn, 2);
    await archivePass(client, ids);
    assert.equal((await statusOf(ids)).archive.rpoSeconds, 0);

    // The agent's account gets another password than its configuration holds.
    const account = `'${agent.user}'@'127.0.0.1'`;
    await conn.query(`SET PASSWORD FOR ${account} = PASSWORD('rotated-elsewhere')`);
    assert.equal(await failedPassType(recordedPass(client, ids, 'wrong-password')), 'DatabaseUnavailableError');
    await sleep(1000);
    assert.equal(await failedPassType(archivePass(client, ids)), 'DatabaseUnavailableError');

    const failed = await statusOf(ids);
    const pass = failed.archive.lastPass!;
    assert.equal(pass.outcome, 'failed');
    assert.equal(pass.error?.type, 'DatabaseUnavailableError');
    assert.equal(pass.error?.activity, 'surveyBinlogs');
    assert.match(
      pass.error?.message ?? '',
      /^mariadb at 127\.0\.0\.1:\d+ refused user '\S+' with the password from database\.password in the configuration: Access denied/,
    );
    assert.match(pass.error?.hint ?? '', /^correct the password in database\.password in the configuration/);
    assert.ok(
      pass.failingSince !== null && Date.parse(pass.failingSince) < Date.parse(pass.startedAt),
      'the streak began with the first failed pass',
    );
    assert.ok(
      failed.archive.rpoSeconds !== null && failed.archive.rpoSeconds >= 1,
      `while passes fail the RPO counts from the last ok look (${failed.archive.rpoSeconds} s)`,
    );
    assert.match(
      await pitrText('status', '--tenant', ids.tenantId, '--cluster', ids.clusterId),
      /^ {2}archive pass {2}FAILED .* in surveyBinlogs: DatabaseUnavailableError: mariadb at .* refused user .*\(what to do: correct the password in database\.password in the configuration.*\)$/m,
    );

    const alerts = await archiveFailedAlerts(ids);
    assert.deepEqual(
      alerts.map((a) => a.subject),
      [`failing-since:${pass.failingSince}`],
      'one alert for the streak of failed passes',
    );
    assert.match(alerts[0]!.message, /DatabaseUnavailableError: mariadb at \S+ refused user/);
    assert.equal(await metric('pitr_archive_pass_failures_total', ids), 2);
    assert.equal(await metric('pitr_archive_last_pass_success', ids), 0);

    // The server logs both SET PASSWORD statements: closing their binlog lets this pass archive everything.
    await conn.query(`SET PASSWORD FOR ${account} = PASSWORD(?)`, [agent.password]);
    await conn.query('FLUSH BINARY LOGS');
    await archivePass(client, ids);
    const recovered = await statusOf(ids);
    assert.deepEqual(
      [recovered.archive.lastPass?.outcome, recovered.archive.lastPass?.failingSince, recovered.archive.lastPass?.error],
      ['ok', null, null],
    );
    assert.equal(recovered.archive.rpoSeconds, 0);
    assert.equal(await metric('pitr_archive_last_pass_success', ids), 1);
    assert.equal(await metric('pitr_archive_pass_failures_total', ids), 2);
  } finally {
    await conn.end();
  }
});
