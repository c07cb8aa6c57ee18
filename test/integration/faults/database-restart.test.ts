import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { listBackups } from '../../../adapters/catalog/backups';
import { Catalog } from '../../../adapters/catalog/catalog';
import { resolveSecret } from '../../../adapters/config/config';
import { startDbInstance, stopDbInstance } from '../../../adapters/servers/db-instance';
import { finalAttempt } from '../../harness/activity-history';
import { freshDbInstance } from '../../harness/instances';
import { waitForActivity } from '../../harness/wait';
import { startBackup, startTestCentralWorkers, startTestCluster } from '../../harness/workers';
import { loadIncompressibleRows } from '../../harness/data';

const centralReady = startTestCentralWorkers();

test('a source database restarted during the backup costs a retry, not the backup', async () => {
  const central = await centralReady;
  const db = await freshDbInstance('mysql');
  await loadIncompressibleRows(db, 60_000);
  const ids = { tenantId: 't-restart', clusterId: `c-restart-${process.pid}`, engine: 'mysqldump' as const };
  const agent = await startTestCluster(db, ids);
  const { handle, workflowId } = await startBackup({ tenantId: ids.tenantId, clusterId: ids.clusterId });

  await waitForActivity(
    handle,
    'the dump to start',
    (a) =>
      a.activityType?.name === 'executeBackup' &&
      readdirSync(agent.stagingDir, { recursive: true }).some((f) => String(f).endsWith('dump.sql')),
  );
  await stopDbInstance(db.dir);
  await startDbInstance({ flavor: 'mysql', dir: db.dir, port: db.port });

  const result = await handle.result();
  assert.ok(result.artifact);
  assert.ok(
    (await finalAttempt(handle, 'executeBackup')).attempt >= 2,
    'the retry of executeBackup shows in the history as a later attempt',
  );
  const catalog = Catalog.open(resolveSecret(central.catalogUrl));
  const rows = await listBackups(catalog, ids.tenantId, ids.clusterId).finally(() => catalog.close());
  assert.deepEqual(
    rows.map((r) => [r.backupId, r.status]),
    [[workflowId, 'completed']],
  );
});
