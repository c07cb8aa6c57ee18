import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { createConnection } from 'mysql2/promise';
import { agentOverTcp } from '../../harness/agent-database';
import { freshDbInstance } from '../../harness/instances';
import { startBackup, startTestCentralWorkers, startTestCluster, temporalClient } from '../../harness/workers';
import { archivePass, segmentsOf, archiveOf, ENGINES_UNDER_TEST } from '../archive/archive-harness';

const centralReady = startTestCentralWorkers();
const cli = resolve(__dirname, '../../../client/cli.js');
const AGENT_PASSWORD = 'Agent-Secret-7';

for (const { flavor, engine } of ENGINES_UNDER_TEST) {
  test(`${flavor} ${engine}: an agent with exactly the grants pitr cluster grants prints backs up and archives over TCP with a password; root has one too`, async () => {
    await centralReady;
    const db = await freshDbInstance(flavor);
    const { stdout: grants } = await promisify(execFile)(process.execPath, [
      cli,
      'cluster',
      'grants',
      '--flavor',
      flavor,
      '--engine',
      engine,
      '--archive',
      '--host',
      '127.0.0.1',
    ]);
    const admin = await createConnection({ socketPath: db.socket, user: db.user, password: db.password, multipleStatements: true });
    await admin.query(grants.replace('<password>', AGENT_PASSWORD));
    await admin.query(
      "CREATE DATABASE app; CREATE TABLE app.items (id INT PRIMARY KEY); INSERT INTO app.items VALUES (1), (2); ALTER USER 'root'@'localhost' IDENTIFIED BY 'Root-Secret-1'",
    );
    await admin.end();

    const ids = { tenantId: 't-grants', clusterId: `c-grants-${engine}-${process.pid}`, engine };
    await startTestCluster(db, ids, {
      database: agentOverTcp(db, { user: 'pitr_agent', password: AGENT_PASSWORD }),
      throttle: engine === 'clone' ? { bandwidthMBps: 50 } : {},
    });
    const backup = await (await startBackup({ tenantId: ids.tenantId, clusterId: ids.clusterId })).handle.result();
    assert.ok(backup.artifact, 'the backup completed');

    const client = await temporalClient();
    const writer = await createConnection({ socketPath: db.socket, user: db.user, password: db.password });
    await writer.query('INSERT INTO app.items VALUES (3)');
    await writer.end();
    await archivePass(client, ids);
    assert.ok(segmentsOf(await archiveOf(ids)).length >= 1, 'the archive pass shipped the binlogs');
  });
}
