import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { describeQueuePollers } from '../../../activities/agent-queue/pollers';
import { dbPidFile, stopDbInstance, type DbInstance } from '../../../adapters/servers/db-instance';
import { restoreFolder } from '../../../activities/restore/provisioner';
import { requestRestore } from '../../../client/restore/request';
import { isoMicros } from '../../../domain/archive/recoverable';
import { restoreHostQueue } from '../../../domain/task-queues';
import { parseRestoreTarget, type RestoreTarget } from '../../../domain/restore/target';
import type { RestoreProgress } from '../../../domain/restore/workflow-types';
import { releaseRestoreSignal, restoreProgressQuery } from '../../../workflows';
import { withRestoreHosts, type PitrHost } from '../../harness/agent-process';
import { recordHistory } from '../../harness/histories';
import { startTestCentralWorkers, temporalClient } from '../../harness/workers';
import { sql, withCentralCatalog } from '../archive/archive-harness';
import { clusterStatus, formatStatus } from '../../../client/status/cluster-status';
import { archivedCluster } from './archived-cluster';
import { instantBetween } from './oracle-writer';
import { hostStepsOf, type TestHost, testRestoreHost } from './restore-host-harness';

// Restore hosts of their own, in processes a test can kill; no restore host in this process.
const centralReady = startTestCentralWorkers(['central', 'verify']);

const MAX_INSTANCES = 3;
const BULK_ROWS = 8 * 50_000;

const claimed = (host: TestHost): string[] => (existsSync(host.dir) ? readdirSync(host.dir) : []);

async function pollingSince(client: Client, queue: string, since: number): Promise<void> {
  for (;;) {
    const { lastPollAt } = await describeQueuePollers(client, queue);
    if (lastPollAt !== undefined && Date.parse(lastPollAt) >= since) return;
    await sleep(250);
  }
}

/** A mysqld that takes seconds to apply: whole transactions of many rows, after the rotation. */
async function bulkWrites(db: DbInstance): Promise<void> {
  const conn = await sql(db);
  await conn.query(
    'CREATE DATABASE bulk; CREATE TABLE bulk.rows_ (id INT AUTO_INCREMENT PRIMARY KEY, pad VARCHAR(200)) ENGINE=InnoDB; SET SESSION cte_max_recursion_depth = 100000',
  );
  for (let i = 0; i < BULK_ROWS / 50_000; i++) {
    await conn.query(
      "INSERT INTO bulk.rows_ (pad) WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 50000) SELECT REPEAT('x', 150) FROM seq",
    );
  }
  await conn.end();
}

async function progressOf(handle: WorkflowHandle, until: (p: RestoreProgress) => boolean): Promise<RestoreProgress> {
  for (;;) {
    const progress = await handle.query(restoreProgressQuery);
    if (until(progress) || progress.phase === 'failed' || progress.phase === 'done') return progress;
    await sleep(100);
  }
}

function pidOf(host: TestHost, restoreId: string): number {
  return Number(readFileSync(dbPidFile(join(restoreFolder(host.dir, restoreId), 'server')), 'utf8').split(/\s+/)[0]);
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function eventually(what: string, check: () => boolean, ms = 60_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) assert.fail(`${what} within ${ms / 1000}s`);
    await sleep(250);
  }
}

test('restores on two restore hosts: each stays on the host that holds it', async (t) => {
  await centralReady;
  const client = await temporalClient();
  const hostsOf = [testRestoreHost('a', { maxInstances: MAX_INSTANCES }), testRestoreHost('b', { maxInstances: MAX_INSTANCES })];
  const since = Date.now() - 1000;
  const cluster = await archivedCluster('mysql', { intervalMs: 40, settleMs: 4000 }, 'hosts', bulkWrites);
  await withRestoreHosts(
    hostsOf.map((h) => h.config),
    async (processes) => {
      await Promise.all(hostsOf.map((h) => pollingSince(client, restoreHostQueue(h.id), since)));
      const byId = new Map(hostsOf.map((h, i) => [h.id, { host: h, process: processes[i]! as PitrHost }]));
      const ids = { tenantId: cluster.ids.tenantId, clusterId: cluster.ids.clusterId };
      const start = (target: RestoreTarget, key: string, keepForMs?: number) =>
        requestRestore(client, {
          ...ids,
          target,
          idempotencyKey: `${key}-${process.pid}`,
          ...(keepForMs === undefined ? {} : { keepForMs }),
        });

      await t.test(
        'ten concurrent restores land whole on one host each, wait for room when the hosts are full, verify exact, and leave nothing',
        async () => {
          const before = cluster.rows.filter(
            (r) => r.micros > cluster.backupFinishedMicros + 100_000 && r.micros < cluster.rotatedMicros - 100_000,
          );
          assert.ok(before.length >= 11, `rows between the backup and the rotation (${before.length})`);
          const picks = Array.from({ length: 10 }, (_, i) => Math.floor((i * (before.length - 1)) / 10));
          const started = Date.now();
          const restores = await Promise.all(
            picks.map(async (i) => {
              const instant = instantBetween(before[i]!, before[i + 1]!);
              return { expected: before[i]!.id, requested: await start(parseRestoreTarget(isoMicros(instant)), `ten-${i}`) };
            }),
          );
          const waits = new Set<string>();
          const inStatus = new Set<string>();
          let mostHeld = 0;
          const results = Promise.all(restores.map((r) => r.requested.handle.result()));
          let settled = false;
          void results.finally(() => (settled = true)).catch(() => undefined);
          while (!settled) {
            for (const r of restores) {
              const waiting = (await r.requested.handle.query(restoreProgressQuery)).waiting;
              if (waiting) waits.add(waiting);
            }
            const status = await withCentralCatalog((catalog) => clusterStatus(catalog, client, ids.tenantId, ids.clusterId));
            for (const running of status.running) if (running.waiting) inStatus.add(formatStatus(status));
            mostHeld = Math.max(mostHeld, ...hostsOf.map((h) => claimed(h).length));
            await sleep(500);
          }
          const done = await results;
          t.diagnostic(`ten concurrent restores over two restore hosts took ${((Date.now() - started) / 1000).toFixed(1)}s`);
          const landed = new Set<string>();
          for (const [i, r] of restores.entries()) {
            assert.equal(
              done[i]!.verification?.rowCounts['oracle.commits'],
              r.expected,
              `restore ${i} holds exactly the rows committed before its instant`,
            );
            const steps = await hostStepsOf(r.requested.handle);
            assert.equal(steps.identities.size, 1, `every step of restore ${i} ran on one worker: ${[...steps.identities].join(', ')}`);
            assert.equal(steps.queues.size, 1);
            assert.deepEqual(steps.types, ['restoreBase', 'fetchSegments', 'applyToTarget', 'verifyRestore', 'releaseRestore']);
            landed.add([...steps.queues][0]!);
          }
          assert.equal(landed.size, 2, 'both hosts took restores');
          assert.ok(mostHeld <= MAX_INSTANCES, `no host held more than its ${MAX_INSTANCES} instances (${mostHeld})`);
          assert.ok(
            [...waits].some((w) => /restore hosts are full \(restore host test-[ab]-\d+ takes no new restore: it holds 3 of its 3/.test(w)),
            `a restore said why it waited: ${[...waits].join(' | ')}`,
          );
          assert.ok(
            [...inStatus].some(
              (text) => /^ {16}waiting: restore hosts are full/m.test(text) && / on restore host test-[ab]-\d+ since /.test(text),
            ),
            'pitr status names the waiting restores and the hosts holding the others',
          );
          for (const h of hostsOf) assert.deepEqual(claimed(h), [], `nothing is left on ${h.id}`);
        },
      );

      await t.test('a kept restore is released on the host that holds it, which stops its server', async () => {
        const requested = await start(parseRestoreTarget('latest'), 'kept-release', 10 * 60_000);
        const kept = await progressOf(requested.handle, (p) => p.phase === 'kept');
        assert.equal(kept.phase, 'kept', kept.error ?? '');
        const holder = byId.get(kept.host!)!.host;
        const other = hostsOf.find((h) => h !== holder)!;
        const pid = pidOf(holder, requested.restoreId);
        assert.ok(alive(pid));
        assert.equal(existsSync(restoreFolder(other.dir, requested.restoreId)), false, 'the other host holds nothing of it');
        await requested.handle.signal(releaseRestoreSignal);
        await requested.handle.result();
        await recordHistory(requested.handle, 'pitrRestoreWorkflow.restore-host-kept-mysql');
        assert.equal(alive(pid), false, 'the restored server is stopped');
        assert.deepEqual(claimed(holder), [], 'its folder is removed');
        assert.equal((await hostStepsOf(requested.handle)).identities.size, 1, 'teardown ran where the instance is');
      });

      await t.test(
        'a host killed mid-apply: the restore starts over on the other host and completes; the killed host sweeps what it left once back',
        async () => {
          const requested = await start(parseRestoreTarget('latest'), 'killed-mid-apply');
          const applying = await progressOf(requested.handle, (p) => p.phase === 'applying');
          assert.equal(applying.phase, 'applying', `the test kills the host while it applies (${applying.phase} ${applying.error ?? ''})`);
          const killed = byId.get(applying.host!)!;
          await killed.process.crash();
          const result = await requested.handle.result();
          await recordHistory(requested.handle, 'pitrRestoreWorkflow.restore-host-started-over-mysql');
          assert.equal(result.verification?.rowCounts['bulk.rows_'], BULK_ROWS);
          assert.equal(result.verification?.rowCounts['oracle.commits'], cluster.rows.length);
          const final = await requested.handle.query(restoreProgressQuery);
          assert.equal(final.hostAttempt, 2, 'one restore, started over once');
          assert.notEqual(final.host, killed.host.id);
          const left = restoreFolder(killed.host.dir, requested.restoreId);
          assert.ok(existsSync(left), 'the dead host left its folder');
          await killed.process.restart();
          await eventually('the restarted host sweeps the folder of the finished restore', () => !existsSync(left));
          assert.match(
            readFileSync(killed.process.logFile, 'utf8'),
            new RegExp(`removed the instance and folder of restore ${requested.restoreId.replace(/\./g, '\\.')}`),
          );
        },
      );

      await t.test(
        'a host killed while it holds a kept instance: release fails loudly, never done while the server runs; its restart sweeps the orphan',
        async () => {
          const since = Date.now() - 1000;
          await Promise.all(hostsOf.map((h) => pollingSince(client, restoreHostQueue(h.id), since)));
          const requested = await start(parseRestoreTarget('latest'), 'kept-killed', 10 * 60_000);
          const kept = await progressOf(requested.handle, (p) => p.phase === 'kept');
          assert.equal(kept.phase, 'kept', kept.error ?? '');
          const holder = byId.get(kept.host!)!;
          const pid = pidOf(holder.host, requested.restoreId);
          await holder.process.crash();
          await requested.handle.signal(releaseRestoreSignal);
          await assert.rejects(requested.handle.result(), (err: Error) => {
            const cause = (err.cause as Error | undefined)?.message ?? err.message;
            assert.match(cause, new RegExp(`restore host ${holder.host.id} did not tear down restore`));
            return true;
          });
          assert.equal((await requested.handle.query(restoreProgressQuery)).phase, 'failed');
          assert.ok(alive(pid), "the unreachable host's server still runs, and the restore did not say it was torn down");
          await holder.process.restart();
          await eventually(
            'the restarted host stops the orphan and removes its folder',
            () => !alive(pid) && !existsSync(restoreFolder(holder.host.dir, requested.restoreId)),
          );
        },
      );
    },
  ).finally(async () => {
    for (const h of hostsOf) for (const name of claimed(h)) await stopDbInstance(join(h.dir, name, 'server'));
  });
});
