import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createConnection } from 'mysql2/promise';
import { BackupDeferredError, DiskHeadroomError, prepareBackup, ServerNotReadyForPitrError } from '../../../activities/backup/prepare';
import { AgentConfig, loadAgentConfig } from '../../../activities/config/config';
import type { DbInstance, Flavor } from '../../../activities/local/db-instance';
import { testStack } from '../../harness/env';
import { freshDbInstance } from '../../harness/instances';

const ref = { tenantId: 't', clusterId: 'c', backupId: 'b', engine: 'mysqldump' as const };

function agentFor(db: DbInstance, overrides: Partial<AgentConfig> = {}): AgentConfig {
  const template = loadAgentConfig(testStack().configs.agents[db.flavor]);
  return { ...template, database: { ...template.database, port: db.port, socket: db.socket }, ...overrides };
}

for (const flavor of ['mysql', 'mariadb'] as Flavor[]) {
  test(`${flavor}: a session queued on a metadata lock defers the backup with a transient error`, async () => {
    const db = await freshDbInstance(flavor);
    const holder = await createConnection({ host: db.host, port: db.port, user: 'root' });
    const ddl = await createConnection({ host: db.host, port: db.port, user: 'root' });
    try {
      await holder.query('CREATE DATABASE d');
      await holder.query('CREATE TABLE d.t (id INT PRIMARY KEY)');
      await holder.query('BEGIN');
      await holder.query('SELECT * FROM d.t');
      const blocked = ddl.query('ALTER TABLE d.t ADD COLUMN v INT').catch(() => undefined);
      await sleep(500);
      await assert.rejects(prepareBackup(agentFor(db), ref, `${db.dir}/staging`), (err: unknown) => {
        assert.ok(err instanceof BackupDeferredError);
        assert.equal(err.terminal, false);
        assert.match(err.message, /1 session\(s\) wait for a table metadata lock/);
        return true;
      });
      await holder.query('COMMIT');
      await blocked;
      const ready = await prepareBackup(agentFor(db), ref, `${db.dir}/staging`);
      assert.equal(ready.flavor, flavor);
    } finally {
      await holder.end();
      await ddl.end();
    }
  });
}

test('a server without GTIDs is refused terminally, naming what to enable', async () => {
  const db = await freshDbInstance('mysql', { extraArgs: ['--gtid-mode=OFF', '--enforce-gtid-consistency=OFF'] });
  await assert.rejects(prepareBackup(agentFor(db), ref, `${db.dir}/staging`), (err: unknown) => {
    assert.ok(err instanceof ServerNotReadyForPitrError);
    assert.equal(err.terminal, true);
    assert.match(err.message, /gtid_mode=OFF/);
    return true;
  });
});

test('staging without room for the backup times the headroom factor is refused terminally', async () => {
  const db = await freshDbInstance('mariadb');
  await assert.rejects(prepareBackup(agentFor(db, { headroom: 1e12 }), ref, `${db.dir}/staging`), (err: unknown) => {
    assert.ok(err instanceof DiskHeadroomError);
    assert.match(err.message, /bytes free; the backup needs \d+/);
    return true;
  });
});
