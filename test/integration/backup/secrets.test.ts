import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { createConnection } from 'mysql2/promise';
import { artifactServicesFromConfig } from '../../../adapters/config/artifact-services';
import { loadAgentConfig, resolveSecret } from '../../../adapters/config/config';
import { tenantKeyRecordKey } from '../../../adapters/storage/layout';
import { binlogArchiveWorkflow } from '../../../workflows';
import { CENTRAL_TASK_QUEUE } from '../../../domain/task-queues';
import { setRpo } from '../archive/archive-harness';
import { testStack } from '../../harness/env';
import { freshDbInstance } from '../../harness/instances';
import { startBackup, startTestCentralWorkers, startTestCluster } from '../../harness/workers';

/**
 * Every string and byte field of a history, bytes (payloads of inputs, results, heartbeat
 * details) decoded as text. Not JSON.stringify: the proto messages' toJSON turns bytes into base64.
 */
function historyText(history: unknown): string {
  const parts: string[] = [];
  const walk = (value: unknown): void => {
    if (value instanceof Uint8Array) parts.push(Buffer.from(value).toString('utf8'));
    else if (typeof value === 'string') parts.push(value);
    else if (value && typeof value === 'object') for (const field of Object.values(value)) walk(field);
  };
  walk(history);
  return parts.join('\n');
}

/** The tenant's data key in clear and as its key record stores it wrapped. */
async function tenantDataKey(
  central: Parameters<typeof artifactServicesFromConfig>[0],
  tenantId: string,
): Promise<{ material: Buffer; wrapped: string }> {
  const services = artifactServicesFromConfig(central);
  try {
    const { bytes } = await services.store.getRange(tenantKeyRecordKey(services.prefix, tenantId), 0, 64 * 1024);
    const record = JSON.parse(bytes.toString('utf8')) as { wrappedKey: string };
    return { material: (await services.keys.keyForWriting(tenantId)).material, wrapped: record.wrappedKey };
  } finally {
    services.close();
  }
}

const centralReady = startTestCentralWorkers();

test('the histories of a full backup and of an archive pass hold no database password and no key material', async () => {
  const central = await centralReady;
  const db = await freshDbInstance('mysql');
  const password = 'Hist0ry-must-not-hold-this';
  const conn = await createConnection({ host: db.host, port: db.port, user: db.user, password: db.password });
  await conn.query(`CREATE USER 'backup'@'%' IDENTIFIED BY '${password}'`);
  await conn.query("GRANT ALL ON *.* TO 'backup'@'%'");
  await conn.query('CREATE DATABASE d');
  await conn.end();
  const template = loadAgentConfig(testStack().configs.agents.mysql);
  const ids = { tenantId: 't-secrets', clusterId: `c-secrets-${process.pid}`, engine: 'mysqldump' as const };
  await startTestCluster(db, ids, {
    database: { ...template.database, port: db.port, socket: db.socket, binlogDir: db.binlogDir, user: 'backup', password },
  });
  const { client, handle, workflowId } = await startBackup({ tenantId: ids.tenantId, clusterId: ids.clusterId });
  const backup = await handle.result();
  await client.workflow.getHandle(`${workflowId}-verify`).result();
  // An RPO of 1 s makes the pass close the active binlog, so it uploads at least one segment.
  await setRpo(ids, 'mysql', 1);
  const archive = await client.workflow.start(binlogArchiveWorkflow, {
    taskQueue: CENTRAL_TASK_QUEUE,
    workflowId: `archive-${ids.clusterId}`,
    args: [{ tenantId: ids.tenantId, clusterId: ids.clusterId }],
  });
  assert.notDeepEqual((await archive.result()).archived, [], 'the pass uploaded binlogs');

  const histories = [
    historyText(await handle.fetchHistory()),
    historyText(await client.workflow.getHandle(`${workflowId}-verify`).fetchHistory()),
    historyText(await archive.fetchHistory()),
  ].join('\n');
  assert.ok(backup.artifact && histories.includes(backup.artifact.storedSha256), 'activity results are read as text');
  const dataKey = await tenantDataKey(central, ids.tenantId);
  const pem = readFileSync(central.signing.privateKeyFile, 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('-----'));
  const secrets = {
    'database password': password,
    'master key': readFileSync(central.masterKeyFile, 'utf8').trim(),
    'S3 secret key': resolveSecret(central.storage.secretAccessKey),
    'manifest signing key': pem.join(''),
    'tenant data key (base64)': dataKey.material.toString('base64'),
    'tenant data key (hex)': dataKey.material.toString('hex'),
    'wrapped tenant data key': dataKey.wrapped,
  };
  for (const [what, value] of Object.entries(secrets)) {
    assert.ok(value.length >= 8, `${what} is a real secret`);
    assert.equal(histories.includes(value), false, `the history holds the ${what}`);
  }
});
