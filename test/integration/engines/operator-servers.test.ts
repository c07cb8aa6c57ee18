import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createConnection, type Connection } from 'mysql2/promise';
import { connectionOf, runBackup } from '../../../adapters/engines';
import { ClonePluginMissingError } from '../../../adapters/engines/errors';
import { restoreBackup } from '../../../adapters/engines/restore';
import { DUMP_FILE } from '../../../adapters/engines/dump-engine';
import { startDbInstance, stopDbInstance, type DbInstance } from '../../../adapters/servers/db-instance';
import type { EngineName, Flavor } from '../../../domain/backup';
import { loadIncompressibleRows } from '../../harness/data';
import { testStack } from '../../harness/env';
import { freshDbInstance, INSTANCES_DIR } from '../../harness/instances';
import { newRestoreDir, newStagingDir } from './consistency-fixture';

const ROOT_PASSWORD = 'Root-Secret-1';

function admin(db: DbInstance): Promise<Connection> {
  return createConnection({ socketPath: db.socket, user: db.user, password: db.password, multipleStatements: true });
}

async function restored(engine: EngineName, stagingDir: string): Promise<DbInstance> {
  const backup = await runBackup(engine, { db: connectionOf(await source.mysql), stagingDir });
  const server = await restoreBackup(engine, { payloadDir: stagingDir, coordinate: backup.coordinate, target: { dir: newRestoreDir() } });
  after(() => stopDbInstance(server.dir));
  return server;
}

/** A MySQL source whose root has a password, with rows the restores must bring back. */
const source = {
  mysql: (async () => {
    const db = await freshDbInstance('mysql');
    const conn = await admin(db);
    await conn.query(`CREATE DATABASE app; CREATE TABLE app.items (id INT PRIMARY KEY); INSERT INTO app.items VALUES (1), (2), (3);
      ALTER USER 'root'@'localhost' IDENTIFIED BY '${ROOT_PASSWORD}'`);
    await conn.end();
    return db;
  })(),
};

for (const engine of ['clone', 'mysqldump'] as const) {
  test(`mysql ${engine}: a source whose root has a password backs up and restores; the restored server keeps the source's accounts`, async () => {
    const server = await restored(engine, newStagingDir());
    const asRoot = await createConnection({ host: server.host, port: server.port, user: 'root', password: ROOT_PASSWORD });
    const [rows] = await asRoot.query('SELECT id FROM app.items ORDER BY id');
    assert.deepEqual(
      (rows as Array<{ id: number }>).map((r) => r.id),
      [1, 2, 3],
      "the source's root signs in with its own password",
    );
    await asRoot.end();
    await assert.rejects(
      createConnection({ host: server.host, port: server.port, user: 'root' }),
      /Access denied/,
      'root without its password is refused',
    );
  });
}

test('mysql clone: a source without the clone plugin is refused with what to run, and nothing is installed on it', async () => {
  // Started as an operator's server without plugin-load-add for clone.
  const root = join(testStack().stateDir, INSTANCES_DIR);
  mkdirSync(root, { recursive: true });
  const dir = mkdtempSync(join(root, 'mysql-noclone-'));
  const db = await startDbInstance({ flavor: 'mysql', dir });
  after(() => stopDbInstance(dir));
  await assert.rejects(runBackup('clone', { db: connectionOf(db), stagingDir: newStagingDir() }), (err: Error) => {
    assert.ok(err instanceof ClonePluginMissingError, String(err));
    assert.equal(err.terminal, true);
    assert.match(err.hint ?? '', /plugin-load-add=mysql_clone\.so/);
    return true;
  });
  const conn = await admin(db);
  const [plugins] = await conn.query("SELECT PLUGIN_NAME FROM information_schema.PLUGINS WHERE PLUGIN_NAME = 'clone'");
  await conn.end();
  assert.deepEqual(plugins, [], 'the product installed no plugin on the source');
});

const DUMP_ENGINE: Record<Flavor, EngineName> = { mysql: 'mysqldump', mariadb: 'mariadb-dump' };

for (const flavor of ['mysql', 'mariadb'] as const) {
  test(`${flavor} ${DUMP_ENGINE[flavor]}: a schema change during the dump waits for it, writes do not, and the dump restores`, async () => {
    const db = await freshDbInstance(flavor);
    const conn = await admin(db);
    await conn.query(
      'CREATE DATABASE app; CREATE TABLE app.items (id INT PRIMARY KEY); CREATE DATABASE zzz; CREATE TABLE zzz.late (id INT PRIMARY KEY); INSERT INTO zzz.late VALUES (1)',
    );
    await conn.end();
    await loadIncompressibleRows(db, 60_000);
    const stagingDir = newStagingDir();
    const backup = runBackup(DUMP_ENGINE[flavor], { db: connectionOf(db), stagingDir });
    let backupDone = 0;
    void backup.then(
      () => (backupDone = Date.now()),
      () => undefined,
    );
    const dumpFile = join(stagingDir, DUMP_FILE);
    while (!(existsSync(dumpFile) && statSync(dumpFile).size > 1 << 20)) {
      assert.equal(backupDone, 0, 'the dump ran long enough to change the schema in the middle of it');
      await sleep(20);
    }
    const app = await admin(db);
    const writeStarted = Date.now();
    await app.query('INSERT INTO app.items VALUES (1)');
    const writeMs = Date.now() - writeStarted;
    // A table the dump has not reached yet: altered mid-dump, it would break the dump.
    const altered = app.query('ALTER TABLE zzz.late ADD COLUMN added INT').then(() => Date.now());
    const result = await backup;
    const alteredAt = await altered;
    await app.end();
    assert.ok(writeMs < 2000, `a write during the dump took ${writeMs} ms`);
    assert.ok(alteredAt >= backupDone, 'the ALTER TABLE waited for the dump to end');
    const server = await restoreBackup(DUMP_ENGINE[flavor], {
      payloadDir: stagingDir,
      coordinate: result.coordinate,
      target: { dir: newRestoreDir() },
    });
    after(() => stopDbInstance(server.dir));
    const check = await admin(server);
    const [columns] = await check.query(
      "SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'zzz' AND TABLE_NAME = 'late'",
    );
    await check.end();
    assert.deepEqual(
      (columns as Array<{ name: string }>).map((c) => c.name),
      ['id'],
      'the dump holds the table as it was when the dump began',
    );
  });
}
