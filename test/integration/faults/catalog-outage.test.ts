import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { listBackups } from '../../../adapters/catalog/backups';
import { Catalog } from '../../../adapters/catalog/catalog';
import { resolveSecret } from '../../../adapters/config/config';
import { startAgentWorker } from '../../../workers/agent-worker';
import { startCentralWorkers } from '../../../workers/central-worker';
import { finalAttempt } from '../../harness/activity-history';
import { loadIncompressibleRows } from '../../harness/data';
import { startTcpRelay } from '../../harness/tcp-outage';
import { freshDbInstance } from '../../harness/instances';
import { waitForActivity } from '../../harness/wait';
import { centralConfig, registerTestCluster, startBackup } from '../../harness/workers';
import { workflowBundle } from '../../harness/workflow-bundle';

test('PostgreSQL briefly unreachable while a backup registers: the registration is retried, one catalog row', async () => {
  const direct = centralConfig();
  const url = new URL(resolveSecret(direct.catalogUrl));
  const relay = await startTcpRelay(url.hostname, Number(url.port || 5432));
  url.host = `127.0.0.1:${relay.port}`;
  const central = await startCentralWorkers({ ...direct, catalogUrl: url.toString() }, ['central', 'verify'], await workflowBundle());
  const db = await freshDbInstance('mysql');
  await loadIncompressibleRows(db, 12_000);
  const ids = { tenantId: 't-pg', clusterId: `c-pg-${process.pid}`, engine: 'mysqldump' as const };
  const agentConfig = await registerTestCluster(db, ids, { throttle: { uploadMBps: 4 } });
  const agent = await startAgentWorker(agentConfig);
  const running = Promise.all([central.run(), agent.run()]);
  after(async () => {
    central.shutdown();
    agent.shutdown();
    await running;
    await Promise.all([central.close(), agent.close()]);
  });

  const { client, handle, workflowId } = await startBackup({ tenantId: ids.tenantId, clusterId: ids.clusterId });
  await waitForActivity(handle, 'the upload phase', (a) => a.activityType?.name === 'uploadArtifact');
  relay.down();
  // The outage lasts until the registration has failed on it at least once.
  await waitForActivity(
    handle,
    'the registration to meet the outage',
    (a) => a.activityType?.name === 'registerBackup' && (a.attempt ?? 1) >= 2,
    90_000,
  );
  relay.up();

  const result = await handle.result();
  assert.ok(result.manifestKey);
  assert.ok((await finalAttempt(handle, 'registerBackup')).attempt >= 2, 'registerBackup was retried through the outage');
  const catalog = Catalog.open(resolveSecret(direct.catalogUrl));
  const rows = await listBackups(catalog, ids.tenantId, ids.clusterId).finally(() => catalog.close());
  assert.deepEqual(
    rows.map((r) => [r.backupId, r.status]),
    [[workflowId, 'completed']],
  );
  // While this file's workers still run: a verification left running would be served by the next file's.
  await client.workflow.getHandle(`${workflowId}-verify`).result();
});
