import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createConnection } from 'mysql2/promise';
import { BackupDeferredError, DiskHeadroomError, prepareBackup, ServerNotReadyForPitrError } from '../../../activities/backup/prepare';
import { type AgentConfig, loadAgentConfig } from '../../../adapters/config/config';
import type { DbInstance, Flavor } from '../../../adapters/servers/db-instance';
import { testStack } from '../../harness/env';
import { freshDbInstance } from '../../harness/instances';
import { asOperatorsRunIt } from '../../harness/workers';

const ref = { tenantId: 't', clusterId: 'c', backupId: 'b', engine: 'mysqldump' as const };

/** The agent as operators run it: its least-privilege account over TCP, root with a password. */
async function agentFor(db: DbInstance, overrides: Partial<AgentConfig> = {}): Promise<AgentConfig> {
  return { ...loadAgentConfig(testStack().configs.agents[db.flavor]), database: await asOperatorsRunIt(db), ...overrides };
}

const cases: Array<{ name: string; flavor: Flavor; extraArgs?: string[]; source: RegExp; namesBlocker: boolean }> = [
  { name: 'mysql', flavor: 'mysql', source: /^performance_schema\.metadata_locks$/, namesBlocker: true },
  {
    name: 'mariadb with metadata_lock_info',
    flavor: 'mariadb',
    extraArgs: ['--plugin-load-add=metadata_lock_info'],
    source: /^information_schema\.METADATA_LOCK_INFO$/,
    namesBlocker: true,
  },
  {
    name: 'mariadb without the plugin',
    flavor: 'mariadb',
    source: /^processlist only: the metadata_lock_info plugin is not installed/,
    namesBlocker: false,
  },
];

/** An open transaction holds a table's metadata lock; an ALTER queues behind it until `release`. */
async function lockQueue(db: DbInstance) {
  const holder = await createConnection({ host: db.host, port: db.port, user: db.user, password: db.password });
  const ddl = await createConnection({ host: db.host, port: db.port, user: db.user, password: db.password });
  await holder.query('CREATE DATABASE IF NOT EXISTS d');
  await holder.query('CREATE TABLE IF NOT EXISTS d.t (id INT PRIMARY KEY)');
  await holder.query('BEGIN');
  await holder.query('SELECT * FROM d.t');
  const blocked = ddl.query('ALTER TABLE d.t ADD COLUMN v INT').catch(() => undefined);
  await sleep(500);
  return {
    holderThread: holder.threadId,
    ddlThread: ddl.threadId,
    async release() {
      await holder.query('COMMIT');
      await blocked;
      await holder.end();
      await ddl.end();
    },
  };
}

for (const c of cases) {
  test(`${c.name}: an ALTER queued behind an open transaction defers the backup, naming both sessions`, async () => {
    const db = await freshDbInstance(c.flavor, c.extraArgs ? { extraArgs: c.extraArgs } : {});
    const queue = await lockQueue(db);
    try {
      await assert.rejects(prepareBackup(await agentFor(db), ref, `${db.dir}/staging`), (err: unknown) => {
        assert.ok(err instanceof BackupDeferredError);
        assert.equal(err.terminal, false);
        assert.match(err.message, /1 session\(s\) wait for a table metadata lock \(limit 0\)/);
        assert.match(err.message, new RegExp(`thread ${queue.ddlThread} \\(\\d+s 'ALTER TABLE d\\.t ADD COLUMN v INT'\\) waits`));
        if (c.namesBlocker) {
          assert.match(err.message, new RegExp(`blocked by thread ${queue.holderThread} \\(\\d+s, idle in an open transaction`));
        } else {
          assert.doesNotMatch(err.message, /blocked by/);
        }
        return true;
      });
    } finally {
      await queue.release();
    }
    const ready = await prepareBackup(await agentFor(db), ref, `${db.dir}/staging`);
    assert.equal(ready.flavor, c.flavor);
    assert.match(ready.lockCheck ?? '', c.source);
  });
}

test('a lock queue under the configured limits lets the backup proceed; DDL running past maxDdlSeconds defers it', async () => {
  const db = await freshDbInstance('mysql');
  const queue = await lockQueue(db);
  try {
    const ready = await prepareBackup(await agentFor(db, { maxLockWaiters: 1, maxLockWaitSeconds: 60 }), ref, `${db.dir}/staging`);
    assert.equal(ready.lockCheck, 'performance_schema.metadata_locks');
    await sleep(2500);
    await assert.rejects(
      prepareBackup(await agentFor(db, { maxLockWaiters: 1, maxLockWaitSeconds: 60, maxDdlSeconds: 1 }), ref, `${db.dir}/staging`),
      (err: unknown) => {
        assert.ok(err instanceof BackupDeferredError);
        assert.doesNotMatch(err.message, /wait for a table metadata lock/);
        assert.match(
          err.message,
          new RegExp(`1 DDL statement\\(s\\) running longer than 1s: thread ${queue.ddlThread} \\([2-9]\\d*s 'ALTER TABLE`),
        );
        return true;
      },
    );
    await assert.rejects(
      prepareBackup(await agentFor(db, { maxLockWaiters: 1, maxLockWaitSeconds: 1 }), ref, `${db.dir}/staging`),
      (err: unknown) => {
        assert.ok(err instanceof BackupDeferredError);
        assert.match(err.message, /the longest for [2-9]\d*s \(limit 1s\)/);
        return true;
      },
    );
  } finally {
    await queue.release();
  }
});

test('a server without GTIDs is refused terminally, naming what to enable', async () => {
  const db = await freshDbInstance('mysql', { extraArgs: ['--gtid-mode=OFF', '--enforce-gtid-consistency=OFF'] });
  await assert.rejects(prepareBackup(await agentFor(db), ref, `${db.dir}/staging`), (err: unknown) => {
    assert.ok(err instanceof ServerNotReadyForPitrError);
    assert.equal(err.terminal, true);
    assert.match(err.message, /gtid_mode=OFF/);
    return true;
  });
});

test('staging without room for the backup times the headroom factor is refused terminally', async () => {
  const db = await freshDbInstance('mariadb');
  await assert.rejects(prepareBackup(await agentFor(db, { headroom: 1e12 }), ref, `${db.dir}/staging`), (err: unknown) => {
    assert.ok(err instanceof DiskHeadroomError);
    assert.match(err.message, /bytes free; the backup needs \d+/);
    return true;
  });
});

for (const flavor of ['mysql', 'mariadb'] as const) {
  test(`${flavor}: the data is sized from the base tables of every schema, a view over information_schema beside them`, async () => {
    const db = await freshDbInstance(flavor);
    const admin = await createConnection({ socketPath: db.socket, user: db.user, password: db.password, multipleStatements: true });
    try {
      await admin.query(
        `CREATE DATABASE shop; CREATE TABLE shop.orders (id INT PRIMARY KEY, note VARCHAR(200));
         INSERT INTO shop.orders VALUES (1, REPEAT('x', 200)), (2, REPEAT('y', 200));
         CREATE VIEW shop.table_sizes AS SELECT table_name, data_length FROM information_schema.tables; ANALYZE TABLE shop.orders`,
      );
      const [[expected]] = (await admin.query(
        "SELECT SUM(data_length + index_length) AS bytes FROM information_schema.tables WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('information_schema', 'performance_schema', 'sys')",
      )) as unknown as [[{ bytes: string }]];
      const ready = await prepareBackup(await agentFor(db), ref, `${db.dir}/staging`);
      assert.equal(ready.dataBytes, Number(expected.bytes), 'every base table of every schema, mysql included');
      assert.ok(ready.dataBytes > 0);
    } finally {
      await admin.end();
    }
  });
}
