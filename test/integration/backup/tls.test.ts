import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { createConnection } from 'mysql2/promise';
import type { AgentConfig } from '../../../adapters/config/config';
import { DatabaseUnavailableError, withDatabase } from '../../../adapters/db/connect';
import type { EngineName } from '../../../domain/backup';
import { agentOverTcp } from '../../harness/agent-database';
import { freshDbInstance } from '../../harness/instances';
import { startBackup, startTestCentralWorkers, startTestCluster, temporalClient } from '../../harness/workers';
import { archiveOf, archivePass, segmentsOf } from '../archive/archive-harness';

const centralReady = startTestCentralWorkers();
const PASSWORD = 'Tls-Agent-3';

/** A MySQL source that refuses connections without TLS (its certificates are the ones mysqld generates in its datadir). */
const source = (async () => {
  const db = await freshDbInstance('mysql', { extraArgs: ['--require-secure-transport=ON'] });
  const admin = await createConnection({ socketPath: db.socket, user: db.user, password: db.password, multipleStatements: true });
  await admin.query(`CREATE USER 'pitr_agent'@'127.0.0.1' IDENTIFIED BY '${PASSWORD}'; GRANT ALL ON *.* TO 'pitr_agent'@'127.0.0.1';
    CREATE DATABASE app; CREATE TABLE app.items (id INT PRIMARY KEY); INSERT INTO app.items VALUES (1)`);
  await admin.end();
  return db;
})();

async function database(tls?: NonNullable<AgentConfig['database']['tls']>): Promise<AgentConfig['database']> {
  return agentOverTcp(await source, { user: 'pitr_agent', password: PASSWORD }, tls);
}

test('an agent without database.tls is told the server takes only TLS; a certificate that does not name the host is refused under verifyIdentity', async () => {
  await assert.rejects(
    withDatabase(await database(), async () => undefined),
    (err: Error) => {
      assert.ok(err instanceof DatabaseUnavailableError, String(err));
      assert.match(err.message, /accepts only TLS connections/);
      assert.match(err.hint ?? '', /set database\.tls/);
      assert.equal(err.terminal, true);
      return true;
    },
  );
  const caFile = join((await source).dataDir, 'ca.pem');
  await assert.rejects(
    withDatabase(await database({ caFile, verifyIdentity: true }), async () => undefined),
    (err: Error) => {
      assert.match(err.message, /did not verify/);
      assert.equal((err as DatabaseUnavailableError).terminal, true);
      return true;
    },
  );
});

for (const engine of ['clone', 'mysqldump'] as EngineName[]) {
  test(`mysql ${engine}: an agent with database.tls backs up and archives a server that requires secure transport, encrypted`, async () => {
    await centralReady;
    const db = await source;
    const tls = { caFile: join(db.dataDir, 'ca.pem'), verifyIdentity: false };
    const cipher = await withDatabase(await database(tls), async (conn) => {
      const [rows] = await conn.query("SHOW SESSION STATUS LIKE 'Ssl_cipher'");
      return (rows as Array<{ Value: string }>)[0]?.Value ?? '';
    });
    assert.notEqual(cipher, '', "the agent's session is encrypted");
    const ids = { tenantId: 't-tls', clusterId: `c-tls-${engine}-${process.pid}`, engine };
    await startTestCluster(db, ids, { database: await database(tls) });
    const result = await (await startBackup({ tenantId: ids.tenantId, clusterId: ids.clusterId })).handle.result();
    assert.ok(result.artifact, 'the backup completed');
    await archivePass(await temporalClient(), ids);
    assert.ok(segmentsOf(await archiveOf(ids)).length >= 1, 'the archive pass shipped the binlogs');
  });
}
