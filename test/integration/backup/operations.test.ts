import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { WorkflowFailedError } from '@temporalio/client';
import { createConnection } from 'mysql2/promise';
import { listBackups } from '../../../adapters/catalog/backups';
import { Catalog } from '../../../adapters/catalog/catalog';
import { artifactServicesFromConfig } from '../../../adapters/config/artifact-services';
import { loadAgentConfig, resolveSecret } from '../../../adapters/config/config';
import type { DbInstance } from '../../../adapters/servers/db-instance';
import type { BaseBackupInput, BaseBackupResult } from '../../../domain/backup';
import { VERIFY_TASK_QUEUE } from '../../../domain/task-queues';
import { backupVerificationWorkflow } from '../../../workflows';
import { testStack } from '../../harness/env';
import { recordHistory } from '../../harness/histories';
import { freshDbInstance } from '../../harness/instances';
import { startBackup, startTestCentralWorkers, startTestCluster } from '../../harness/workers';
import { loadIncompressibleRows } from '../../harness/data';

const centralReady = startTestCentralWorkers();
const cli = resolve(__dirname, '../../../client/cli.js');

async function sql<T>(db: DbInstance, query: string): Promise<T[]> {
  const conn = await createConnection({ host: db.host, port: db.port, user: db.user, password: db.password, multipleStatements: true });
  try {
    const [rows] = await conn.query(query);
    return rows as T[];
  } finally {
    await conn.end();
  }
}

async function backUp(input: BaseBackupInput) {
  const started = await startBackup(input);
  return { ...started, result: await started.handle.result() };
}

async function catalogRows(tenantId: string, clusterId: string) {
  const catalog = Catalog.open(resolveSecret((await centralReady).catalogUrl));
  return listBackups(catalog, tenantId, clusterId).finally(() => catalog.close());
}

test('a dry run checks the server and the manifest but writes nothing anywhere', async () => {
  const central = await centralReady;
  const db = await freshDbInstance('mysql');
  await sql(db, 'CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY)');
  const ids = { tenantId: 't-ops', clusterId: `c-dry-${process.pid}`, engine: 'clone' as const };
  await startTestCluster(db, ids);
  const binlogsBefore = await sql(db, 'SHOW BINARY LOGS');
  const g = (await sql<{ g: string }>(db, 'SELECT @@global.gtid_executed AS g'))[0]!.g;

  const { result, handle } = await backUp({ tenantId: ids.tenantId, clusterId: ids.clusterId, dryRun: true });
  await recordHistory(handle, 'baseBackupWorkflow.dry-run');
  assert.equal(result.dryRun, true);
  assert.equal(result.coordinate.gtidExecuted, g);
  assert.equal(result.coordinate.source, 'the server (dry run)');
  assert.equal((await sql(db, 'SHOW BINARY LOGS')).length, binlogsBefore.length, 'no binlog rotation');
  assert.deepEqual(await catalogRows(ids.tenantId, ids.clusterId), []);
  const services = artifactServicesFromConfig(central);
  try {
    const objects: string[] = [];
    for await (const o of services.store.list(`${services.prefix}tenants/${ids.tenantId}/clusters/${ids.clusterId}/`)) objects.push(o.key);
    assert.deepEqual(objects, []);
  } finally {
    services.close();
  }
});

test('the UI finds a backup by tenant, cluster and phase; other tenants cannot see its row', async () => {
  const db = await freshDbInstance('mariadb');
  const ids = { tenantId: 't-ops', clusterId: `c-ui-${process.pid}`, engine: 'mariadb-dump' as const };
  await startTestCluster(db, ids);
  const { client, handle, workflowId } = await backUp({ tenantId: ids.tenantId, clusterId: ids.clusterId });
  const described = await handle.describe();
  assert.deepEqual(described.searchAttributes.TenantId, [ids.tenantId]);
  assert.deepEqual(described.searchAttributes.ClusterId, [ids.clusterId]);
  assert.deepEqual(described.searchAttributes.BackupPhase, ['done']);
  const found: string[] = [];
  for await (const w of client.workflow.list({
    query: `ClusterId="${ids.clusterId}" AND BackupPhase="done" AND WorkflowType="baseBackupWorkflow"`,
  })) {
    found.push(w.workflowId);
  }
  assert.deepEqual(found, [workflowId]);
  assert.equal((await catalogRows(ids.tenantId, ids.clusterId)).length, 1);
  assert.deepEqual(await catalogRows('another-tenant', ids.clusterId), []);
});

test('a corrupted artifact fails verification terminally and is quarantined with its reason', async () => {
  const central = await centralReady;
  const db = await freshDbInstance('mysql');
  // Three MiB that do not compress: the artifact has several chunks, and the flipped byte lands inside one.
  await loadIncompressibleRows(db, 3000);
  const ids = { tenantId: 't-ops', clusterId: `c-corrupt-${process.pid}`, engine: 'mysqldump' as const };
  await startTestCluster(db, ids);
  const { client, result, workflowId } = await backUp({ tenantId: ids.tenantId, clusterId: ids.clusterId });
  await client.workflow.getHandle(`${workflowId}-verify`).result();

  const services = artifactServicesFromConfig(central);
  try {
    const key = result.artifact!.key;
    const { bytes } = await services.store.getRange(key, 0, result.artifact!.storedBytes - 1);
    const middle = Math.floor(bytes.length / 2);
    bytes.writeUInt8(bytes.readUInt8(middle) ^ 0x01, middle);
    await services.store.put(key, bytes);

    const reverify = client.workflow.execute(backupVerificationWorkflow, {
      taskQueue: VERIFY_TASK_QUEUE,
      workflowId: `${workflowId}-reverify`,
      args: [{ ref: { ...ids, backupId: workflowId }, manifestKey: result.manifestKey! }],
    });
    await assert.rejects(reverify, (err: unknown) => {
      assert.ok(err instanceof WorkflowFailedError);
      const failure = (err.cause as { cause?: { type?: string; nonRetryable?: boolean; message?: string } }).cause;
      assert.equal(failure?.type, 'ArtifactCorruptError');
      assert.equal(failure?.nonRetryable, true);
      assert.match(failure?.message ?? '', /chunk \d+/);
      return true;
    });
    await recordHistory(client.workflow.getHandle(`${workflowId}-reverify`), 'backupVerificationWorkflow.quarantined');
    assert.equal(await services.store.head(key), undefined, 'the artifact left its place');
    const quarantined = `${services.prefix}failed/${key.slice(services.prefix.length)}`;
    assert.ok(await services.store.head(quarantined));
    const reason = JSON.parse((await services.store.getRange(`${quarantined}.reason.json`, 0, 65535)).bytes.toString());
    assert.equal(reason.error, 'ArtifactCorruptError');
  } finally {
    services.close();
  }
  const rows = await catalogRows(ids.tenantId, ids.clusterId);
  assert.deepEqual(
    rows.map((r) => [r.status, r.failurePhase]),
    [['quarantined', 'verify']],
  );
});

test('a backup that cannot succeed fails terminally at once, recorded in the catalog with an alert', async () => {
  const central = await centralReady;
  const db = await freshDbInstance('mysql');
  const ids = { tenantId: 't-ops', clusterId: `c-denied-${process.pid}`, engine: 'mysqldump' as const };
  await startTestCluster(db, ids, {
    database: { ...loadAgentConfig(testStack().configs.agents.mysql).database, port: db.port, socket: db.socket, user: 'nobody' },
  });
  const { handle, workflowId } = await startBackup({ tenantId: ids.tenantId, clusterId: ids.clusterId });
  await assert.rejects(handle.result(), (err: unknown) => {
    assert.ok(err instanceof WorkflowFailedError);
    const failure = (err.cause as { cause?: { type?: string; nonRetryable?: boolean; message?: string } }).cause;
    assert.equal(failure?.type, 'DatabaseUnavailableError');
    assert.equal(failure?.nonRetryable, true);
    assert.match(failure?.message ?? '', /Access denied for user 'nobody'/);
    return true;
  });
  await recordHistory(handle, 'baseBackupWorkflow.terminal-failure');
  const history = await handle.fetchHistory();
  assert.equal(history.events?.filter((e) => e.activityTaskFailedEventAttributes).length, 1, 'not retried');
  assert.deepEqual(
    (await catalogRows(ids.tenantId, ids.clusterId)).map((r) => [r.status, r.failurePhase]),
    [['failed', 'prepare']],
  );
  const catalog = Catalog.open(resolveSecret(central.catalogUrl));
  const alerts = await catalog
    .withTenant(
      ids.tenantId,
      async (conn) => (await conn.query('SELECT kind, subject FROM alerts WHERE cluster_id = $1', [ids.clusterId])).rows,
    )
    .finally(() => catalog.close());
  assert.deepEqual(alerts, [{ kind: 'backup-failed', subject: workflowId }]);
});

test('operators drive it from the command line: cluster add, backup --wait --json, backups list', async () => {
  await centralReady;
  const db = await freshDbInstance('mariadb');
  await sql(db, 'CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY)');
  const ids = { tenantId: 't-cli', clusterId: `c-cli-${process.pid}`, engine: 'mariadb-backup' as const };
  await startTestCluster(db, ids);
  const env = { ...process.env, PITR_CONFIG: testStack().configs.central };
  const pitr = async (...args: string[]) => (await promisify(execFile)(process.execPath, [cli, ...args], { env })).stdout;

  const add = ['cluster', 'add', '--tenant', ids.tenantId, '--cluster', ids.clusterId, '--flavor', 'mariadb', '--engine', 'mariadb-backup'];
  assert.match(
    await pitr(...add, '--tier', 'gold'),
    /registered t-cli\/c-cli-\d+ \(mariadb, mariadb-backup, tier gold, archive from files\)/,
  );
  await assert.rejects(
    pitr(...add, '--archive', 'streaming'),
    (err: { code: number; stderr: string }) => err.code === 2 && /invalid cluster: archiveSource: .*"files"\|"stream"/.test(err.stderr),
    'a misspelt archive source is refused, naming the two there are',
  );
  const result = JSON.parse(
    await pitr('backup', '--tenant', ids.tenantId, '--cluster', ids.clusterId, '--wait', '--json'),
  ) as BaseBackupResult;
  assert.equal(result.engine, 'mariadb-backup');
  assert.match(result.coordinate.gtidExecuted, /^0-1-\d+$/);
  const listed = JSON.parse(await pitr('backups', 'list', '--tenant', ids.tenantId, '--cluster', ids.clusterId, '--json'));
  assert.deepEqual(
    listed.map((b: { backupId: string; complianceTier: string; status: string }) => [b.backupId, b.complianceTier, b.status]),
    [[result.backupId, 'gold', 'completed']],
  );

  await assert.rejects(
    pitr('cluster', 'add', '--tenant', ids.tenantId, '--cluster', 'x', '--flavor', 'mariadb', '--engine', 'clone'),
    (err: unknown) => {
      const e = err as { code: number; stderr: string };
      assert.equal(e.code, 2);
      assert.match(e.stderr, /defaultEngine: the engine does not back up this flavor/);
      return true;
    },
  );
});
