import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Client, Connection } from '@temporalio/client';
import { createConnection } from 'mysql2/promise';
import { Client as PgClient } from 'pg';
import type { DbInstance } from '../../../adapters/servers/db-instance';
import { dropDatabase } from '../../../devstack/postgres';
import { pidFilesUnder, processStartTime } from '../../../adapters/servers/process';
import { readStackInfo, type StackInfo } from '../../../devstack/stack';
import { SEARCH_ATTRIBUTE_TYPES } from '../../../devstack/temporal-server';
import { processesMentioning } from './processes';

const pitr = resolve(__dirname, '../../../../bin/pitr');

function canListen(port: number): Promise<boolean> {
  return new Promise((res) => {
    const server = createServer();
    server.once('error', () => res(false));
    server.listen(port, '127.0.0.1', () => server.close(() => res(true)));
  });
}

/** Six consecutive free ports below the kernel's ephemeral range, where `freePort()` picks. */
async function freePortBase(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 10_000);
    const free = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => canListen(base + i)));
    if (free.every(Boolean)) return base;
  }
  throw new Error('no six consecutive free ports found in 20000-30000');
}

async function sql<T>(db: DbInstance, statements: string[]): Promise<T[]> {
  const conn = await createConnection({ host: db.host, port: db.port, user: db.user, password: db.password });
  try {
    let rows: unknown = [];
    for (const statement of statements) [rows] = await conn.query(statement);
    return rows as T[];
  } finally {
    await conn.end();
  }
}

async function catalog<T>(stack: StackInfo, statement: string): Promise<T[]> {
  const client = new PgClient({ connectionString: stack.postgres.connectionString });
  await client.connect();
  try {
    return (await client.query(statement)).rows as T[];
  } finally {
    await client.end();
  }
}

function s3Client(stack: StackInfo): S3Client {
  const { s3 } = stack;
  return new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
}

async function withTemporal<T>(stack: StackInfo, fn: (connection: Connection, client: Client) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address: stack.temporal.address });
  try {
    return await fn(connection, new Client({ connection, namespace: stack.temporal.namespace }));
  } finally {
    await connection.close();
  }
}

test('pitr dev up, status, down and up again: five healthy services, the Web UI, data kept, nothing left running', {
  timeout: 300_000,
}, async (t) => {
  const stateDir = mkdtempSync(join(tmpdir(), 'pitr-dev-'));
  const portBase = await freePortBase();
  const env = {
    ...process.env,
    PITR_STATE_DIR: stateDir,
    PITR_DEV_PORT_BASE: String(portBase),
    PITR_DEV_CATALOG_DB: `pitr_dev_${process.pid}`,
  };
  const cli = async (...args: string[]): Promise<string> =>
    (await promisify(execFile)(process.execPath, [pitr, ...args], { env, timeout: 180_000 })).stdout;
  const started = Date.now();
  const lap = (what: string): void => t.diagnostic(`${what} at ${((Date.now() - started) / 1000).toFixed(1)} s`);
  try {
    const printed = await cli('dev', 'up');
    lap('first up');
    assert.match(printed, new RegExp(`Temporal UI http://127\\.0\\.0\\.1:${portBase + 1}`));
    const stack = readStackInfo(stateDir);
    assert.equal(stack.temporal.address, `127.0.0.1:${portBase}`);
    assert.equal(stack.mariadb.port, portBase + 5);

    const health = JSON.parse(await cli('dev', 'status', '--json')) as Array<{ service: string; healthy: boolean }>;
    assert.deepEqual(
      health.map((h) => [h.service, h.healthy]),
      [
        ['temporal', true],
        ['temporal-ui', true],
        ['minio', true],
        ['postgres', true],
        ['mysql', true],
        ['mariadb', true],
      ],
    );
    const ui = await fetch(stack.temporal.uiUrl!);
    assert.equal(ui.status, 200);
    assert.match(await ui.text(), /<html/i);

    await catalog(stack, "CREATE TABLE dev_probe (note text); INSERT INTO dev_probe VALUES ('kept')");
    await sql(stack.mysql, [
      'CREATE DATABASE probe',
      'CREATE TABLE probe.t (note varchar(20))',
      "INSERT INTO probe.t VALUES ('mysql kept')",
    ]);
    await sql(stack.mariadb, [
      'CREATE DATABASE probe',
      'CREATE TABLE probe.t (note varchar(20))',
      "INSERT INTO probe.t VALUES ('mariadb kept')",
    ]);
    const s3 = s3Client(stack);
    try {
      await s3.send(new PutObjectCommand({ Bucket: stack.s3.bucket, Key: 'probe/object.txt', Body: 'object kept' }));
    } finally {
      s3.destroy();
    }
    const checked = await cli('dev', 'check');
    assert.match(checked, /^up +mariadb /m);
    assert.doesNotMatch(checked, /DOWN/);
    lap('data written and a workflow run');
    // As if the product gained a search attribute after this database file was created.
    await withTemporal(stack, (connection) =>
      connection.operatorService.removeSearchAttributes({ namespace: stack.temporal.namespace, searchAttributes: ['TargetTime'] }),
    );

    const pidFiles = pidFilesUnder(stateDir);
    assert.equal(pidFiles.length, 4, `pid files: ${pidFiles.join(', ')}`);
    const recorded = pidFiles.map((f) => readFileSync(f, 'utf8').trim().split(' ').map(Number) as [number, number]);
    await cli('dev', 'down');
    lap('down');
    for (const [pid, startTime] of recorded) assert.notEqual(processStartTime(pid), String(startTime), `pid ${pid} still runs`);
    assert.deepEqual(processesMentioning(stateDir), []);
    assert.deepEqual(pidFilesUnder(stateDir), []);
    await assert.rejects(cli('dev', 'status'), (err: { code: number }) => err.code === 1);

    await cli('dev', 'up');
    lap('second up');
    const again = readStackInfo(stateDir);
    assert.deepEqual(again.ports, stack.ports);
    assert.deepEqual(await catalog(again, 'SELECT note FROM dev_probe'), [{ note: 'kept' }]);
    assert.deepEqual(await sql(again.mysql, ['SELECT note FROM probe.t']), [{ note: 'mysql kept' }]);
    assert.deepEqual(await sql(again.mariadb, ['SELECT note FROM probe.t']), [{ note: 'mariadb kept' }]);
    const s3Again = s3Client(again);
    try {
      const got = await s3Again.send(new GetObjectCommand({ Bucket: again.s3.bucket, Key: 'probe/object.txt' }));
      assert.equal(await got.Body?.transformToString(), 'object kept');
    } finally {
      s3Again.destroy();
    }
    await withTemporal(again, async (connection, client) => {
      const runs = [];
      for await (const run of client.workflow.list({ query: "WorkflowType = 'stackCheckWorkflow'" })) runs.push(run);
      assert.equal(runs.length, 1);
      assert.equal(runs[0]!.status.name, 'COMPLETED');
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: again.temporal.namespace });
      assert.equal(customAttributes?.TargetTime, SEARCH_ATTRIBUTE_TYPES.TargetTime);
    });
    lap('data found again');
  } finally {
    await cli('dev', 'down').catch((err) => t.diagnostic(`dev down: ${err}`));
    await dropDatabase(env.PITR_DEV_CATALOG_DB);
    if (existsSync(stateDir)) rmSync(stateDir, { recursive: true, force: true });
  }
});
