import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { createConnection } from 'mysql2/promise';
import { loadAgentConfig, resolveSecret } from '../../../activities/config/config';
import { testStack } from '../../harness/env';
import { freshDbInstance } from '../../harness/instances';
import { startBackup, startTestCentralWorkers, startTestCluster } from '../../harness/workers';

const centralReady = startTestCentralWorkers();

test('the history of a full backup holds no database password and no key material', async () => {
  const central = await centralReady;
  const db = await freshDbInstance('mysql');
  const password = 'Hist0ry-must-not-hold-this';
  const conn = await createConnection({ host: db.host, port: db.port, user: 'root' });
  await conn.query(`CREATE USER 'backup'@'%' IDENTIFIED BY '${password}'`);
  await conn.query("GRANT ALL ON *.* TO 'backup'@'%'");
  await conn.query('CREATE DATABASE d');
  await conn.end();
  const template = loadAgentConfig(testStack().configs.agents.mysql);
  const ids = { tenantId: 't-secrets', clusterId: `c-secrets-${process.pid}`, engine: 'mysqldump' as const };
  await startTestCluster(db, ids, { database: { ...template.database, port: db.port, socket: db.socket, user: 'backup', password } });
  const { client, handle, workflowId } = await startBackup({ tenantId: ids.tenantId, clusterId: ids.clusterId });
  await handle.result();
  await client.workflow.getHandle(`${workflowId}-verify`).result();

  const histories = [
    JSON.stringify(await handle.fetchHistory()),
    JSON.stringify(await client.workflow.getHandle(`${workflowId}-verify`).fetchHistory()),
  ].join('\n');
  const pem = readFileSync(central.signing.privateKeyFile, 'utf8').split('\n').filter((l) => l && !l.startsWith('-----'));
  const secrets = {
    'database password': password,
    'master key': readFileSync(central.masterKeyFile, 'utf8').trim(),
    'S3 secret key': resolveSecret(central.storage.secretAccessKey),
    'manifest signing key': pem.join(''),
  };
  for (const [what, value] of Object.entries(secrets)) {
    assert.ok(value.length >= 8, `${what} is a real secret`);
    assert.equal(histories.includes(value), false, `the history holds the ${what}`);
  }
});
