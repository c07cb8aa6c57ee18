import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Client as PgClient } from 'pg';
import { migrateCatalog } from '../../../adapters/catalog/migrate';
import { resolveSecret } from '../../../adapters/config/config';
import { withCentralWorkerHost } from '../../harness/agent-process';
import { finalAttempt, isRunning } from '../../harness/activity-history';
import { assertOneCompletedBackup } from '../../harness/backup-outcome';
import { recordHistory } from '../../harness/histories';
import { freshDbInstance } from '../../harness/instances';
import { waitFor, waitForActivity } from '../../harness/wait';
import { centralConfig, startBackup, startTestCluster } from '../../harness/workers';

// No in-process central workers in this file: the `pitr worker` process the test kills must be
// the only one serving the central queue, so that it is the one inside registerBackup.

test('the central worker killed while a backup registers leaves exactly one artifact, manifest and catalog row', async () => {
  const central = centralConfig();
  // What an in-process central worker would do on start; the catalog may be new in this run.
  await migrateCatalog(resolveSecret(central.catalogUrl));
  const source = await freshDbInstance('mysql');
  const ids = { tenantId: 't-crash', clusterId: `c-crash-register-${process.pid}`, engine: 'mysqldump' as const };
  const agent = await startTestCluster(source, ids);

  // A session holding the backups table keeps the registration's insert waiting, as a long
  // catalog migration or vacuum would, so the worker can be killed in the middle of it.
  const locker = new PgClient({ connectionString: resolveSecret(central.catalogUrl) });
  await locker.connect();
  try {
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE backups IN ACCESS EXCLUSIVE MODE');
    await withCentralWorkerHost(async (worker) => {
      const { client, handle, workflowId } = await startBackup({ tenantId: ids.tenantId, clusterId: ids.clusterId });
      await waitForActivity(handle, 'the central worker to be inside registerBackup', isRunning('registerBackup'), 90_000);
      await waitFor('the registration to wait on the locked backups table', async () => {
        assert.equal((await handle.describe()).status.name, 'RUNNING', 'the backup ended before its registration waited');
        // pg_locks, not pg_stat_activity: a parameterised statement waits in its parse step, before its text is reported.
        const waiting = await locker.query("SELECT COUNT(*)::int AS n FROM pg_locks WHERE relation = 'backups'::regclass AND NOT granted");
        return waiting.rows[0].n > 0;
      });
      await worker.restart();
      await locker.query('COMMIT');

      const result = await handle.result();
      await client.workflow.getHandle(`${workflowId}-verify`).result();
      await recordHistory(handle, 'baseBackupWorkflow.central-worker-killed-in-register');
      const retried = await finalAttempt(handle, 'registerBackup');
      assert.ok(
        retried.attempt >= 2 && retried.afterHeartbeatTimeout,
        'the killed registration was noticed by its heartbeat timeout and retried',
      );
      await assertOneCompletedBackup(central, { ...ids, workflowId, stagingDir: agent.stagingDir }, result);
    });
  } finally {
    await locker.query('ROLLBACK').catch(() => undefined);
    await locker.end();
  }
});
