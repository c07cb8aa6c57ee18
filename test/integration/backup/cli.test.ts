import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { createConnection } from 'mysql2/promise';
import { listBackups } from '../../../adapters/catalog/backups';
import { Catalog } from '../../../adapters/catalog/catalog';
import { resolveSecret } from '../../../adapters/config/config';
import type { BaseBackupResult } from '../../../domain/backup';
import { testStack } from '../../harness/env';
import { freshDbInstance } from '../../harness/instances';
import { isRunning } from '../../harness/activity-history';
import { waitFor, waitForActivity } from '../../harness/wait';
import { startTestCentralWorkers, startTestCluster, temporalClient } from '../../harness/workers';

const centralReady = startTestCentralWorkers();
const cli = resolve(__dirname, '../../../client/cli.js');

function pitr(...args: string[]) {
  return promisify(execFile)(process.execPath, [cli, ...args], { env: { ...process.env, PITR_CONFIG: testStack().configs.central } });
}

test('pitr backup: --dry-run --wait --json reports the server coordinate and writes nothing; --engine is checked against the cluster', async () => {
  const central = await centralReady;
  const db = await freshDbInstance('mariadb');
  const ids = { tenantId: 't-cli-backup', clusterId: `c-dry-${process.pid}`, engine: 'mariadb-dump' as const };
  await startTestCluster(db, ids);
  const conn = await createConnection({ host: db.host, port: db.port, user: db.user, password: db.password });
  const gtid = await conn
    .query('SELECT @@global.gtid_binlog_pos AS g')
    .then(([rows]) => (rows as Array<{ g: string }>)[0]!.g)
    .finally(() => conn.end());

  const { stdout } = await pitr('backup', '--tenant', ids.tenantId, '--cluster', ids.clusterId, '--dry-run', '--wait', '--json');
  const result = JSON.parse(stdout) as BaseBackupResult;
  assert.equal(result.dryRun, true);
  assert.equal(result.engine, 'mariadb-dump');
  assert.equal(result.coordinate.gtidExecuted, gtid);
  assert.equal(result.artifact, undefined);
  const catalog = Catalog.open(resolveSecret(central.catalogUrl));
  assert.deepEqual(await listBackups(catalog, ids.tenantId, ids.clusterId).finally(() => catalog.close()), []);

  await assert.rejects(
    pitr('backup', '--tenant', ids.tenantId, '--cluster', ids.clusterId, '--engine', 'clone', '--wait'),
    (err: unknown) => {
      const e = err as { code: number; stderr: string };
      assert.equal(e.code, 2);
      assert.match(e.stderr, new RegExp(`engine clone cannot back up ${ids.tenantId}/${ids.clusterId}, a mariadb cluster`));
      assert.match(
        e.stderr,
        /what to do: use one of mariadb-backup, mariadb-dump, or leave --engine out for the cluster's default \(mariadb-dump\)/,
      );
      return true;
    },
  );
  await assert.rejects(pitr('backup', '--tenant', ids.tenantId, '--cluster', ids.clusterId, '--engine', 'tar'), (err: unknown) => {
    const e = err as { code: number; stderr: string };
    assert.equal(e.code, 2);
    assert.match(e.stderr, /argument 'tar' is invalid\. Allowed choices are clone, mysqldump, xtrabackup, mariadb-backup, mariadb-dump/);
    return true;
  });
});

test('pitr backup --wait shows the retries of a deferred prepare with the error they retry on, then the result', async () => {
  await centralReady;
  const db = await freshDbInstance('mysql');
  const ids = { tenantId: 't-cli-backup', clusterId: `c-wait-${process.pid}`, engine: 'mysqldump' as const };
  await startTestCluster(db, ids);
  const holder = await createConnection({ host: db.host, port: db.port, user: db.user, password: db.password });
  const ddl = await createConnection({ host: db.host, port: db.port, user: db.user, password: db.password });
  const locker = await createConnection({ host: db.host, port: db.port, user: db.user, password: db.password });
  try {
    await holder.query('CREATE DATABASE d');
    await holder.query('CREATE TABLE d.t (id INT PRIMARY KEY)');
    await holder.query('BEGIN');
    await holder.query('SELECT * FROM d.t');
    const blocked = ddl.query('ALTER TABLE d.t ADD COLUMN v INT').catch(() => undefined);
    await sleep(500);
    const backup = pitr('backup', '--tenant', ids.tenantId, '--cluster', ids.clusterId, '--wait');
    const client = await temporalClient();
    let workflowId = '';
    await waitFor(
      'the backup to retry its deferred prepare',
      async () => {
        for await (const w of client.workflow.list({ query: `ClusterId="${ids.clusterId}"` })) {
          const pending = (await client.workflow.getHandle(w.workflowId).describe()).raw.pendingActivities ?? [];
          workflowId = w.workflowId;
          if (pending.some((a) => a.activityType?.name === 'prepareBackup' && (a.attempt ?? 1) >= 2)) return true;
        }
        return false;
      },
      120_000,
    );
    // The next retry is 10 s away: time for the command's once-a-second poll to show this one.
    await sleep(4000);
    await holder.query('COMMIT');
    await blocked;
    // The table write-locked (no session waits on it yet, so prepare passes) keeps the dump waiting inside
    // execute long enough for the once-a-second poll to draw its bar.
    await locker.query('LOCK TABLES d.t WRITE');
    await waitForActivity(client.workflow.getHandle(workflowId), 'the dump to run', isRunning('executeBackup'), 120_000);
    await sleep(3000);
    await locker.query('UNLOCK TABLES');
    const { stdout, stderr } = await backup;
    assert.match(
      stderr,
      /: prepare +0\.0 MB attempt [2-9] \(last error: backup \S+ deferred: 1 session\(s\) wait for a table metadata lock \(limit 0\)/,
    );
    assert.match(stderr, new RegExp(`blocked by thread ${holder.threadId} `));
    assert.match(stderr, /: execute +\[[#.]{24}\] +\d+% \d+\.\d\/\d+\.\d MB/, 'execute draws a bar against the data size');
    assert.doesNotMatch(stderr, /: execute +\d/, 'the bar from the first execute line on');
    assert.match(stdout, /^backup \S+\n {2}engine {6}mysqldump\n/);
  } finally {
    await holder.end();
    await ddl.end();
    await locker.end();
  }
});
