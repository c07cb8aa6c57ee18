import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { createConnection } from 'mysql2/promise';
import type { DbInstance } from '../../../adapters/servers/db-instance';
import { withAgentHost } from '../../harness/agent-process';
import { finalAttempt, isRunning } from '../../harness/activity-history';
import { assertOneCompletedBackup } from '../../harness/backup-outcome';
import { loadIncompressibleRows } from '../../harness/data';
import { recordHistory } from '../../harness/histories';
import { freshDbInstance } from '../../harness/instances';
import { startTcpRelay } from '../../harness/tcp-outage';
import { waitFor, waitForActivity } from '../../harness/wait';
import { registerTestCluster, startBackup, startTestCentralWorkers } from '../../harness/workers';

const centralReady = startTestCentralWorkers();

type Started = Awaited<ReturnType<typeof startBackup>>;
type Relay = Awaited<ReturnType<typeof startTcpRelay>>;

/**
 * Prepare and capture take milliseconds, so to kill the agent inside one the test holds the
 * phase open with what would hold it on a real host: its database connection hangs (a relay
 * between agent and server stops answering new connections). A metadata-lock queue would not
 * do for prepare: it defers the backup at once instead of waiting. The agent is then SIGKILLed
 * and brought back; the phase's heartbeat timeout notices the dead attempt and retries it.
 */
async function crashTest(
  phase: 'prepare' | 'capture',
  startHeld: (ctx: { source: DbInstance; relay: Relay; start: () => Promise<Started> }) => Promise<Started>,
): Promise<void> {
  const central = await centralReady;
  const source = await freshDbInstance('mysql');
  await loadIncompressibleRows(source, 2_000);
  const relay = await startTcpRelay(source.host, source.port);
  const ids = { tenantId: 't-crash', clusterId: `c-crash-${phase}-${process.pid}`, engine: 'mysqldump' as const };
  const registered = await registerTestCluster(source, ids);
  const config = { ...registered, database: { ...registered.database, host: '127.0.0.1', port: relay.port, socket: undefined } };
  const configFile = join(config.stagingDir, '..', `${ids.clusterId}.json`);
  writeFileSync(configFile, JSON.stringify(config));

  await withAgentHost(configFile, async (agent) => {
    const start = () => startBackup({ tenantId: ids.tenantId, clusterId: ids.clusterId });
    const { handle, workflowId } = await startHeld({ source, relay, start });
    const activity = phase === 'prepare' ? 'prepareBackup' : 'captureCoordinates';
    await waitForActivity(handle, `the agent to be inside ${activity}, waiting on its database`, isRunning(activity));
    await agent.restart();
    relay.up();

    const result = await handle.result();
    await recordHistory(handle, `baseBackupWorkflow.agent-killed-in-${phase}`);
    const retried = await finalAttempt(handle, activity);
    assert.ok(
      retried.attempt >= 2 && retried.afterHeartbeatTimeout,
      `the killed ${activity} attempt was noticed by its heartbeat timeout and retried`,
    );
    await assertOneCompletedBackup(central, { ...ids, workflowId, stagingDir: config.stagingDir }, result);
  });
}

// The cases wait mostly on heartbeat timeouts and throttled uploads, so they overlap.
describe('an agent killed in a short phase', { concurrency: true }, () => {
  test('an agent killed during prepare leaves exactly one artifact, manifest and catalog row', () =>
    crashTest('prepare', async ({ relay, start }) => {
      relay.hold();
      return start();
    }));

  test('an agent killed during capture leaves exactly one artifact, manifest and catalog row', () =>
    crashTest('capture', async ({ source, relay, start }) => {
      // The dump waits behind a table lock, connected; once it is let go, the next connection
      // the agent opens is capture's, and that one hangs.
      const locker = await createConnection({ host: source.host, port: source.port, user: source.user, password: source.password });
      try {
        await locker.query('LOCK TABLES bulk.blobs WRITE');
        const started = await start();
        await waitForActivity(started.handle, 'the agent to run the dump', isRunning('executeBackup'));
        await waitFor('the dump to wait behind the table lock', async () => {
          assert.equal((await started.handle.describe()).status.name, 'RUNNING', 'the backup ended before its dump waited');
          const [rows] = await locker.query(
            "SELECT COUNT(*) AS n FROM information_schema.processlist WHERE id <> CONNECTION_ID() AND state LIKE 'Waiting for%'",
          );
          return Number((rows as Array<{ n: number }>)[0]?.n) > 0;
        });
        relay.hold();
        await locker.query('UNLOCK TABLES');
        return started;
      } finally {
        await locker.end();
      }
    }));
});
