import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createConnection } from 'mysql2/promise';
import { listBackups } from '../../../activities/catalog/backups';
import { Catalog } from '../../../activities/catalog/catalog';
import { artifactServicesFromConfig } from '../../../activities/config/artifact-services';
import { AgentConfig, resolveSecret } from '../../../activities/config/config';
import type { DbInstance } from '../../../activities/local/db-instance';
import { recordHistory } from '../../harness/histories';
import { killAgentProcess, startAgentProcess } from '../../harness/agent-process';
import { freshDbInstance } from '../../harness/instances';
import { registerTestCluster, startBackup, startTestCentralWorkers } from '../../harness/workers';

const centralReady = startTestCentralWorkers();

/** About 24 MB of incompressible rows, so the dump and its upload take seconds. */
async function loadBulk(db: DbInstance): Promise<void> {
  const conn = await createConnection({ host: db.host, port: db.port, user: 'root', multipleStatements: true });
  await conn.query(`
    CREATE DATABASE bulk; CREATE TABLE bulk.blobs (id INT PRIMARY KEY, b VARBINARY(1024));
    SET SESSION cte_max_recursion_depth = 30000;
    INSERT INTO bulk.blobs WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 24000) SELECT n, RANDOM_BYTES(1024) FROM s;`);
  await conn.end();
}

async function waitFor(what: string, probe: () => Promise<boolean> | boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

for (const phase of ['execute', 'upload'] as const) {
  test(`an agent killed during ${phase} leaves exactly one artifact, manifest and catalog row`, async () => {
    const central = await centralReady;
    const source = await freshDbInstance('mysql');
    await loadBulk(source);
    const ids = { tenantId: 't-crash', clusterId: `c-crash-${phase}-${process.pid}`, engine: 'mysqldump' as const };
    const config: AgentConfig = await registerTestCluster(source, ids, { throttle: { uploadMBps: 4 } });
    const configFile = join(config.stagingDir, '..', `${ids.clusterId}.json`);
    writeFileSync(configFile, JSON.stringify(config));

    let agent = startAgentProcess(configFile);
    const { handle, workflowId } = await startBackup({ tenantId: ids.tenantId, clusterId: ids.clusterId });
    const activity = phase === 'execute' ? 'executeBackup' : 'uploadArtifact';
    await waitFor(`the agent to be inside ${activity}`, async () => {
      const pending = (await handle.describe()).raw.pendingActivities ?? [];
      const running = pending.find((a) => a.activityType?.name === activity);
      // In execute, the dump file appearing shows the tool is running; in upload, a heartbeat shows parts went out.
      if (phase === 'execute') {
        return !!running && readdirSync(config.stagingDir, { recursive: true }).some((f) => String(f).endsWith('dump.sql'));
      }
      return !!running?.heartbeatDetails;
    });
    await killAgentProcess(agent);
    agent = startAgentProcess(configFile);
    try {
      const result = await handle.result();
      await recordHistory(handle, `baseBackupWorkflow.agent-killed-in-${phase}`);
      assert.ok(result.artifact);

      const services = artifactServicesFromConfig(central);
      try {
        const backupPrefix = result.artifact.key.slice(0, result.artifact.key.lastIndexOf('/') + 1);
        const objects: string[] = [];
        for await (const o of services.store.list(backupPrefix)) objects.push(o.key);
        assert.deepEqual(objects.sort(), [result.artifact.key, result.manifestKey].sort());
        assert.deepEqual(await services.store.listMultipartUploads(result.artifact.key), []);
      } finally {
        services.close();
      }
      const catalog = Catalog.open(resolveSecret(central.catalogUrl));
      const rows = await listBackups(catalog, ids.tenantId, ids.clusterId).finally(() => catalog.close());
      assert.deepEqual(rows.map((r) => [r.backupId, r.status]), [[workflowId, 'completed']]);
      assert.deepEqual(readdirSync(config.stagingDir), [], 'staging is removed');
    } finally {
      await killAgentProcess(agent);
    }
  });
}
