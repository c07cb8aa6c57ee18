import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HeadBucketCommand, PutObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { createS3Client } from '../../../adapters/storage/s3-store';
import { createConnection } from 'mysql2/promise';
import { Client as PgClient } from 'pg';
import { testStack } from '../../harness/env';
import { freshDbInstance } from '../../harness/instances';

test('MySQL 9.7 answers with GTIDs and binlogs on', async () => {
  const { mysql } = testStack();
  const conn = await createConnection({ host: mysql.host, port: mysql.port, user: mysql.user, password: mysql.password });
  try {
    const [rows] = await conn.query('SELECT @@version AS version, @@gtid_mode AS gtidMode, @@log_bin AS logBin');
    const row = (rows as Array<{ version: string; gtidMode: string; logBin: number }>)[0]!;
    assert.match(row.version, /^9\.7\./);
    assert.equal(row.gtidMode, 'ON');
    assert.equal(row.logBin, 1);
  } finally {
    await conn.end();
  }
});

test('MariaDB 10.11 answers with binlogs on and a GTID position that grows', async () => {
  const { mariadb } = testStack();
  const conn = await createConnection({ host: mariadb.host, port: mariadb.port, user: mariadb.user, password: mariadb.password });
  try {
    await conn.query('CREATE DATABASE IF NOT EXISTS smoke');
    const [rows] = await conn.query('SELECT @@version AS version, @@log_bin AS logBin, @@gtid_binlog_pos AS pos');
    const row = (rows as Array<{ version: string; logBin: number; pos: string }>)[0]!;
    assert.match(row.version, /^10\.11\./);
    assert.equal(row.logBin, 1);
    assert.match(row.pos, /^0-11-\d+$/);
  } finally {
    await conn.end();
  }
});

test('PostgreSQL catalog database accepts a connection', async () => {
  const { postgres } = testStack();
  const client = new PgClient({ connectionString: postgres.connectionString });
  await client.connect();
  try {
    const res = await client.query<{ db: string }>('SELECT current_database() AS db');
    assert.equal(res.rows[0]?.db, postgres.database);
  } finally {
    await client.end();
  }
});

test('MinIO serves the bucket over the S3 API', async () => {
  const { s3 } = testStack();
  const client = createS3Client(s3);
  try {
    await client.send(new HeadBucketCommand({ Bucket: s3.bucket }));
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'smoke/hello.txt', Body: 'hello' }));
    const got = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: 'smoke/hello.txt' }));
    assert.equal(await got.Body?.transformToString(), 'hello');
  } finally {
    client.destroy();
  }
});

test('a fresh instance per test gets its own server identity', async () => {
  const [a, b] = [await freshDbInstance('mysql'), await freshDbInstance('mysql')];
  const uuid = async (port: number): Promise<string> => {
    const conn = await createConnection({ host: '127.0.0.1', port, user: 'root' });
    try {
      const [rows] = await conn.query('SELECT @@server_uuid AS u');
      return (rows as Array<{ u: string }>)[0]!.u;
    } finally {
      await conn.end();
    }
  };
  assert.notEqual(a.port, b.port);
  assert.notEqual(await uuid(a.port), await uuid(b.port));
});

// Every starting server deletes the #sql files of its tmpdir. MySQL keeps using the files it has
// open; MariaDB's Aria loses the table, so it is the one that shows a shared tmpdir.
test("a MariaDB server starting beside another leaves the other's temporary tables alone", async () => {
  const first = await freshDbInstance('mariadb');
  const conn = await createConnection({ socketPath: first.socket, user: first.user, password: first.password });
  try {
    // On disk, in the server's tmpdir: what a large sort or an information_schema query builds.
    await conn.query('CREATE DATABASE IF NOT EXISTS app');
    await conn.query('CREATE TEMPORARY TABLE app.scratch (id INT) ENGINE=Aria');
    await conn.query('INSERT INTO app.scratch VALUES (1), (2)');
    await freshDbInstance('mariadb');
    await conn.query('INSERT INTO app.scratch VALUES (3)');
    const [rows] = await conn.query('SELECT COUNT(*) AS n FROM app.scratch');
    assert.equal(Number((rows as Array<{ n: number }>)[0]!.n), 3);
    await conn.query('DROP TEMPORARY TABLE app.scratch');
  } finally {
    await conn.end();
  }
});
