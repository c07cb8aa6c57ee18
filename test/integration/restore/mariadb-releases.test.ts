import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import { describeQueuePollers } from '../../../activities/agent-queue/pollers';
import {
  cachedServerBasedir,
  defaultServerBinaries,
  declaredServer,
  type ServerBinaries,
  serverProgram,
} from '../../../adapters/servers/server-binaries';
import type { PlanRestoreHosts } from '../../../client/restore/release-hosts';
import { requestRestore } from '../../../client/restore/request';
import { isoMicros } from '../../../domain/archive/recoverable';
import type { EngineName } from '../../../domain/backup';
import { parseRestoreTarget } from '../../../domain/restore/target';
import { restoreHostQueue, restoreReleaseQueue } from '../../../domain/task-queues';
import { withRestoreHosts } from '../../harness/agent-process';
import { testStack } from '../../harness/env';
import { startTestCentralWorkers, temporalClient } from '../../harness/workers';
import { archivedCluster, type Cluster } from './archived-cluster';
import { hostStepsOf, type TestHost, testRestoreHost } from './restore-host-harness';

// The restore hosts run as processes of their own, one per release; none runs in this process.
const centralReady = startTestCentralWorkers(['central', 'verify']);
const run = promisify(execFile);
const cli = resolve(__dirname, '../../../client/cli.js');

const ENGINES: readonly EngineName[] = ['mariadb-backup', 'mariadb-dump'];

/** Each release with the restore host that runs it and nothing else. */
async function releases(): Promise<Array<{ server: ServerBinaries; host: TestHost }>> {
  const older = await defaultServerBinaries('mariadb');
  const newer = await declaredServer({ flavor: 'mariadb', release: '11.8', basedir: cachedServerBasedir('mariadb', '11.8') });
  return [older, newer].map((server) => ({
    server,
    host: testRestoreHost(`mariadb-${server.release}`, {
      servers: [{ flavor: 'mariadb', release: server.release, basedir: server.basedir }],
    }),
  }));
}

async function plannedHosts(cluster: Cluster, instant: number): Promise<PlanRestoreHosts> {
  const { stdout } = await run(process.execPath, [
    cli,
    'plan',
    ...['--tenant', cluster.ids.tenantId, '--cluster', cluster.ids.clusterId, '--to', isoMicros(instant), '--json'],
    ...['--config', testStack().configs.central],
  ]);
  return (JSON.parse(stdout) as { restoreHosts: PlanRestoreHosts }).restoreHosts;
}

/** The end of the second of a row after the backup and the rotation, before the next row's second: MariaDB's binlog keeps whole seconds. */
function instantOf(cluster: Cluster): { instant: number; expected: number } {
  const after = cluster.rows.filter((r) => r.micros > Math.max(cluster.backupFinishedMicros, cluster.rotatedMicros) + 100_000);
  const pair = after.findIndex((r, i) => i > 0 && Math.floor(r.micros / 1e6) > Math.floor(after[i - 1]!.micros / 1e6));
  assert.ok(pair > 0, `rows after the backup span two seconds (${after.length} rows)`);
  const before = after[pair - 1]!;
  return { instant: Math.floor(before.micros / 1e6) * 1e6 + 999_999, expected: before.id };
}

async function pollingNow(client: Client, queue: string): Promise<void> {
  const since = Date.now() - 1000;
  for (;;) {
    const { lastPollAt } = await describeQueuePollers(client, queue);
    if (lastPollAt !== undefined && Date.parse(lastPollAt) >= since) return;
    await sleep(250);
  }
}

test("MariaDB 10.11 and 11.8 side by side: each release's backups, by mariadb-backup and mariadb-dump with its own tools, restore to an instant on the restore host of that release", async (t) => {
  await centralReady;
  const client = await temporalClient();
  const fleet = await releases();
  assert.deepEqual(
    fleet.map((r) => r.server.release),
    ['10.11', '11.8'],
  );
  const clusters = await Promise.all(
    fleet.flatMap(({ server }) =>
      ENGINES.map(async (engine) => {
        const tools = engine === 'mariadb-backup' ? serverProgram(server, 'backup') : serverProgram(server, 'dump');
        const cluster = await archivedCluster(
          'mariadb',
          { intervalMs: 300, settleMs: 6000, insideSeconds: true },
          `${server.release.replace('.', '')}-${engine}`,
          undefined,
          { server, engine, agent: { tools: { [engine]: tools } } },
        );
        return { server, engine, cluster };
      }),
    ),
  );

  const first = clusters[0]!;
  const unpolled = await plannedHosts(first.cluster, instantOf(first.cluster).instant);
  assert.equal(unpolled.release, 'mariadb 10.11');
  assert.equal(unpolled.polled, false, 'pitr plan says no restore host polls the release yet');

  await withRestoreHosts(
    fleet.map((r) => r.host.config),
    async () => {
      await Promise.all(fleet.map((r) => pollingNow(client, restoreHostQueue(r.host.id))));
      for (const { server, engine, cluster } of clusters) {
        await t.test(`${server.version} ${engine}`, async () => {
          const { instant, expected } = instantOf(cluster);
          const planned = await plannedHosts(cluster, instant);
          assert.deepEqual(
            [planned.release, planned.queue, planned.polled],
            [`mariadb ${server.release}`, restoreReleaseQueue('mariadb', server.release), true],
            'pitr plan names the release and a restore host polling it',
          );
          const requested = await requestRestore(client, {
            tenantId: cluster.ids.tenantId,
            clusterId: cluster.ids.clusterId,
            target: parseRestoreTarget(isoMicros(instant)),
            idempotencyKey: `release-${server.release}-${engine}`,
          });
          const result = await requested.result();
          assert.equal(result.verification?.rowCounts['oracle.commits'], expected, 'exactly the rows committed in or before the second');
          const steps = await hostStepsOf(requested.handle);
          const host = fleet.find((r) => r.server.release === server.release)!.host;
          assert.deepEqual([...steps.claimQueues], [restoreReleaseQueue('mariadb', server.release)], "claimed on its release's queue");
          assert.deepEqual([...steps.queues], [restoreHostQueue(host.id)], 'run on the restore host of that release');
        });
      }
    },
  );
});
