import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { createConnection } from 'mysql2/promise';
import type { AgentConfig } from '../../../adapters/config/config';
import type { DbInstance } from '../../../adapters/servers/db-instance';
import type { EngineName } from '../../../domain/backup';
import { agentOverTcp } from '../../harness/agent-database';
import { testStack } from '../../harness/env';
import { startTestCentralWorkers } from '../../harness/workers';
import { archivedCluster, assertRestoresExactly } from './archived-cluster';
import { instantBetween } from './oracle-writer';

process.env.PITR_RESTORE_DIR = join(testStack().stateDir, 'restores');
const centralReady = startTestCentralWorkers();
const run = promisify(execFile);
const cli = resolve(__dirname, '../../../client/cli.js');
const AGENT_PASSWORD = 'Agent-Tls-9';
const ROOT_PASSWORD = 'Root-Secret-1';

/**
 * The source as operators run it: TCP only with TLS, the clone plugin loaded by its
 * configuration (as every test source loads it), root with a password, and the agent signed in
 * as the least-privilege account `pitr cluster grants` prints, over TLS with its CA.
 */
function operatorAgent(engine: EngineName): (db: DbInstance) => Promise<Partial<AgentConfig>> {
  return async (db) => {
    const { stdout: grants } = await run(process.execPath, [
      cli,
      ...['cluster', 'grants', '--flavor', 'mysql', '--engine', engine, '--archive', '--host', '127.0.0.1'],
    ]);
    const admin = await createConnection({ socketPath: db.socket, user: db.user, password: db.password, multipleStatements: true });
    await admin.query(grants.replace('<password>', AGENT_PASSWORD));
    await admin.query(`ALTER USER 'root'@'localhost' IDENTIFIED BY '${ROOT_PASSWORD}'`);
    await admin.end();
    return {
      database: agentOverTcp(
        db,
        { user: 'pitr_agent', password: AGENT_PASSWORD },
        { caFile: join(db.dataDir, 'ca.pem'), verifyIdentity: false },
      ),
    };
  };
}

for (const engine of ['clone', 'mysqldump'] as const) {
  test(`mysql ${engine}: a source requiring TLS, its root with a password, backed up and archived by a least-privilege agent over TLS, restores exactly to a sub-second instant`, async () => {
    await centralReady;
    const cluster = await archivedCluster('mysql', { intervalMs: 40, settleMs: 2000 }, `operator-${engine}`, undefined, {
      engine,
      extraArgs: ['--require-secure-transport=ON'],
      agent: operatorAgent(engine),
    });
    const after = cluster.rows.filter((r) => r.micros > Math.max(cluster.backupFinishedMicros, cluster.rotatedMicros) + 100_000);
    const i = Math.floor(after.length / 2);
    const [before, next] = [after[i - 1]!, after[i]!];
    assert.ok(next.micros - before.micros < 1_000_000, 'the two commits are sub-second apart');
    const instant = instantBetween(before, next);
    await assertRestoresExactly(cluster, instant, before, `operator-${engine}`);
  });
}
