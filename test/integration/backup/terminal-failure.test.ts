import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { createConnection } from 'mysql2/promise';
import { Client as PgClient } from 'pg';
import { listBackups } from '../../../adapters/catalog/backups';
import { Catalog } from '../../../adapters/catalog/catalog';
import { artifactServicesFromConfig } from '../../../adapters/config/artifact-services';
import { resolveSecret } from '../../../adapters/config/config';
import { artifactKey, quarantineKey } from '../../../adapters/storage/layout';
import { isRunning } from '../../harness/activity-history';
import { loadIncompressibleRows } from '../../harness/data';
import { freshDbInstance } from '../../harness/instances';
import { waitFor, waitForActivity } from '../../harness/wait';
import { startBackup, startTestCentralWorkers, startTestCluster } from '../../harness/workers';

const centralReady = startTestCentralWorkers();

type Failure = { type?: string; nonRetryable?: boolean; message?: string };

async function catalogRows(catalogUrl: string, tenantId: string, clusterId: string) {
  const catalog = Catalog.open(catalogUrl);
  return listBackups(catalog, tenantId, clusterId).finally(() => catalog.close());
}

test('an artifact corrupted between upload and registration is quarantined, the failure recorded in register, staging removed', async () => {
  const central = await centralReady;
  const catalogUrl = resolveSecret(central.catalogUrl);
  const db = await freshDbInstance('mysql');
  await loadIncompressibleRows(db, 256);
  const ids = { tenantId: 't-terminal', clusterId: `c-corrupt-upload-${process.pid}`, engine: 'mysqldump' as const };
  const agent = await startTestCluster(db, ids);
  const services = artifactServicesFromConfig(central);
  // Registration reads the cluster first: a session holding that table keeps it waiting
  // after the upload, the moment a damaged store or a bad disk would strike.
  const locker = new PgClient({ connectionString: catalogUrl });
  await locker.connect();
  try {
    const { handle, workflowId } = await startBackup({ tenantId: ids.tenantId, clusterId: ids.clusterId });
    await waitForActivity(handle, 'the cluster to be loaded', (a) => a.activityType?.name !== 'loadCluster', 120_000);
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE clusters IN ACCESS EXCLUSIVE MODE');
    await waitForActivity(handle, 'the registration to run', isRunning('registerBackup'), 120_000);
    await waitFor('the registration to wait on the locked clusters table', async () => {
      const waiting = await locker.query("SELECT COUNT(*)::int AS n FROM pg_locks WHERE relation = 'clusters'::regclass AND NOT granted");
      return waiting.rows[0].n > 0;
    });

    const key = artifactKey(services.prefix, { ...ids, backupId: workflowId });
    const info = await services.store.head(key);
    assert.ok(info, 'the upload stored the artifact');
    const { bytes } = await services.store.getRange(key, 0, info.size - 1);
    const middle = Math.floor(bytes.length / 2);
    bytes.writeUInt8(bytes.readUInt8(middle) ^ 0x01, middle);
    await services.store.put(key, bytes);
    await locker.query('COMMIT');

    await assert.rejects(handle.result(), (err: unknown) => {
      assert.ok(err instanceof WorkflowFailedError);
      const failure = (err.cause as { cause?: Failure }).cause;
      assert.equal(failure?.type, 'ArtifactCorruptError');
      assert.equal(failure?.nonRetryable, true);
      return true;
    });
    const rows = await catalogRows(catalogUrl, ids.tenantId, ids.clusterId);
    assert.deepEqual(
      rows.map((r) => [r.backupId, r.status, r.failurePhase]),
      [[workflowId, 'quarantined', 'register']],
    );
    assert.match(rows[0]!.failureReason ?? '', /artifact moved to .*failed\//);

    assert.equal(await services.store.head(key), undefined, 'the artifact left its place');
    const quarantined = quarantineKey(services.prefix, key);
    assert.equal((await services.store.head(quarantined))?.size, info.size);
    const reason = JSON.parse((await services.store.getRange(`${quarantined}.reason.json`, 0, 65535)).bytes.toString()) as {
      key: string;
      message: string;
    };
    assert.equal(reason.key, key);
    assert.match(reason.message, /^register: /);
    assert.deepEqual(readdirSync(agent.stagingDir), [], 'staging is removed after a terminal failure');
  } finally {
    await locker.query('ROLLBACK').catch(() => undefined);
    await locker.end();
    services.close();
  }
});

test('a backup cancelled while its engine runs records the failure in execute and removes its staging folder', async () => {
  const central = await centralReady;
  const db = await freshDbInstance('mysql');
  await loadIncompressibleRows(db, 64);
  const ids = { tenantId: 't-terminal', clusterId: `c-cancel-${process.pid}`, engine: 'mysqldump' as const };
  const agent = await startTestCluster(db, ids);
  // A session holding a table write-locked keeps the dump waiting inside execute.
  const holder = await createConnection({ host: db.host, port: db.port, user: db.user, password: db.password });
  try {
    await holder.query('LOCK TABLES bulk.blobs WRITE');
    const { handle, workflowId } = await startBackup({ tenantId: ids.tenantId, clusterId: ids.clusterId });
    await waitForActivity(handle, 'the engine to run', isRunning('executeBackup'), 120_000);
    await waitFor('the dump to wait on the locked table', async () => {
      const [rows] = await holder.query("SELECT COUNT(*) AS n FROM information_schema.processlist WHERE state LIKE 'Waiting for%'");
      return Number((rows as Array<{ n: number }>)[0]!.n) > 0;
    });
    assert.ok(readdirSync(agent.stagingDir).length > 0, 'the backup has its staging folder');
    await handle.cancel();
    await assert.rejects(handle.result(), WorkflowFailedError);
    assert.equal((await handle.describe()).status.name, 'CANCELLED');
    const events = (await handle.fetchHistory()).events ?? [];
    const executeCancelled = events.findIndex((e) => e.activityTaskCanceledEventAttributes);
    const removeScheduled = events.findIndex((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'removeStaging');
    assert.ok(
      executeCancelled >= 0 && executeCancelled < removeScheduled,
      'execute acknowledged its cancellation (its dump stopped) before staging was removed',
    );
    const rows = await catalogRows(resolveSecret(central.catalogUrl), ids.tenantId, ids.clusterId);
    assert.deepEqual(
      rows.map((r) => [r.backupId, r.status, r.failurePhase]),
      [[workflowId, 'failed', 'execute']],
    );
    assert.deepEqual(readdirSync(agent.stagingDir), [], 'staging is removed after a cancel');
  } finally {
    await holder.query('UNLOCK TABLES').catch(() => undefined);
    await holder.end();
  }
});
