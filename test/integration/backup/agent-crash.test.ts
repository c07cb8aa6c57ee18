import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { listBackups } from '../../../activities/catalog/backups';
import { Catalog } from '../../../activities/catalog/catalog';
import { artifactServicesFromConfig } from '../../../activities/config/artifact-services';
import { AgentConfig, resolveSecret } from '../../../activities/config/config';
import { recordHistory } from '../../harness/histories';
import { killAgentProcess, startAgentProcess } from '../../harness/agent-process';
import { freshDbInstance } from '../../harness/instances';
import { registerTestCluster, startBackup, startTestCentralWorkers } from '../../harness/workers';
import { loadIncompressibleRows } from '../../harness/data';

const centralReady = startTestCentralWorkers();

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
    await loadIncompressibleRows(source, 24_000);
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
