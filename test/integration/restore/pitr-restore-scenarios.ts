import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import { artifactServicesFromConfig } from '../../../adapters/config/artifact-services';
import { listRestores } from '../../../adapters/catalog/restores';
import { requestRestore } from '../../../client/restore/request';
import { isoMicros, microsOf } from '../../../domain/archive/recoverable';
import type { Flavor } from '../../../domain/backup';
import type { RestorePlan } from '../../../domain/restore/plan';
import { parseRestoreTarget, type RestoreTarget } from '../../../domain/restore/target';
import type { PitrRestoreResult, RestoreProgress } from '../../../domain/restore/workflow-types';
import { extendRestoreSignal, releaseRestoreSignal, restoreProgressQuery, restoreVerificationWorkflow } from '../../../workflows';
import { CENTRAL_TASK_QUEUE } from '../../../domain/task-queues';
import { testStack } from '../../harness/env';
import { recordHistory } from '../../harness/histories';
import { freshDbInstance } from '../../harness/instances';
import { startBackup, startTestCentralWorkers, startTestCluster, temporalClient } from '../../harness/workers';
import { archivePass, ENGINE, purgeAllButActive, setRpo, sql, withCentralCatalog, writeAndRotate } from '../archive/archive-harness';
import { archivedCluster, type Cluster } from './archived-cluster';
import { instantBetween, restoredIds, type CommittedRow } from './oracle-writer';
import { createConnection } from 'mysql2/promise';
import { signInAt } from '../../../adapters/servers/db-instance';

const RESTORE_ROOT = join(testStack().stateDir, 'restores');
process.env.PITR_RESTORE_DIR = RESTORE_ROOT;
const centralReady = startTestCentralWorkers();

const run = promisify(execFile);
const cli = resolve(__dirname, '../../../client/cli.js');

async function pitr(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return pitrIn({}, ...args);
}

async function pitrIn(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args, '--config', testStack().configs.central], {
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function keptRestore(client: Client, cluster: Cluster, target: RestoreTarget, key: string) {
  const requested = await requestRestore(client, {
    tenantId: cluster.ids.tenantId,
    clusterId: cluster.ids.clusterId,
    target,
    keepForMs: 10 * 60_000,
    idempotencyKey: key,
  });
  let progress: RestoreProgress;
  for (;;) {
    progress = await requested.handle.query(restoreProgressQuery);
    if (progress.phase === 'kept' || progress.phase === 'failed' || progress.phase === 'done') break;
    await sleep(250);
  }
  assert.equal(progress.phase, 'kept', `the restore is kept for inspection (${progress.error ?? ''})`);
  const restored = await restoredIds(progress.instance!);
  return { requested, progress, restored };
}

async function released(requested: Awaited<ReturnType<typeof requestRestore>>, history: string) {
  await requested.handle.signal(releaseRestoreSignal);
  const result = await requested.handle.result();
  await recordHistory(requested.handle, history);
  assert.equal((await requested.handle.query(restoreProgressQuery)).phase, 'done');
  return result;
}

/** A plan as `pitr plan --json` prints it, without the restore hosts polling now (which change from one call to the next). */
function planOf(stdout: string): RestorePlan {
  const { restoreHosts: _now, ...plan } = JSON.parse(stdout) as RestorePlan & { restoreHosts: unknown };
  return plan;
}

/** `--tenant … --cluster …` naming the scenario's cluster on a `pitr` command line. */
const clusterOptions = (cluster: Cluster): string[] => ['--tenant', cluster.ids.tenantId, '--cluster', cluster.ids.clusterId];

const idsThrough = (rows: CommittedRow[], last: number) => rows.filter((r) => r.id <= last).map((r) => r.id);

interface Scenario {
  cluster: Cluster;
  /** Rows committed after the backup finished and the binlog rotated: the instants restored below. */
  after: CommittedRow[];
  /** The last row committed at or before `instant`. */
  before: CommittedRow;
  instant: number;
  target: RestoreTarget;
  plan: RestorePlan;
}

/** One archived cluster per flavor, shared by the tests below, and an instant between two of its commits. */
async function scenarioOf(flavor: Flavor): Promise<Scenario> {
  await centralReady;
  // MySQL commits sub-second apart; MariaDB's binlog keeps whole seconds, so its rows span several.
  const cluster = await archivedCluster(
    flavor,
    flavor === 'mysql' ? { intervalMs: 40, settleMs: 2000 } : { intervalMs: 300, settleMs: 6000, insideSeconds: true },
  );
  const after = cluster.rows.filter((r) => r.micros > Math.max(cluster.backupFinishedMicros, cluster.rotatedMicros) + 100_000);
  assert.ok(after.length >= 4, `rows were written after the backup (${after.length})`);
  // On MariaDB, whose binlog keeps whole seconds, the instant ends the second of one row, before the next row's second.
  const pair =
    flavor === 'mysql'
      ? after.findIndex((_row, i) => i > 0 && i >= after.length / 2)
      : after.findIndex((r, i) => i > 0 && Math.floor(r.micros / 1e6) > Math.floor(after[i - 1]!.micros / 1e6) && i >= after.length / 3);
  const [before, next] = [after[pair - 1]!, after[pair]!];
  const instant = flavor === 'mysql' ? instantBetween(before, next) : Math.floor(before.micros / 1e6) * 1e6 + 999_999;
  if (flavor === 'mysql') assert.ok(next.micros - before.micros < 1_000_000, 'the two commits are sub-second apart');
  const planned = await pitr('plan', ...clusterOptions(cluster), '--to', isoMicros(instant), '--json');
  assert.equal(planned.code, 0, planned.stderr);
  return {
    cluster,
    after,
    before,
    instant,
    target: parseRestoreTarget(isoMicros(instant)),
    plan: planOf(planned.stdout),
  };
}

/**
 * The restore scenarios of `flavors`, each flavor's in a test file of its own
 * (`pitr-restore-mysql.test.ts`, `pitr-restore-mariadb.test.ts`) so the two run side by side.
 */
export function pitrRestoreTests(flavors: readonly Flavor[]): void {
  for (const flavor of flavors) {
    let shared: Promise<Scenario> | undefined;
    const scenario = () => (shared ??= scenarioOf(flavor));

    test(`${flavor}: a restore to an instant between two commits holds exactly the rows committed at or before it, kept until released`, async () => {
      const { cluster, before, instant, target, plan } = await scenario();
      const client = await temporalClient();
      assert.ok(plan.segments.length >= 2, 'the replay starts inside the binlog holding the backup coordinate and crosses into the next');
      const atInstant = await keptRestore(client, cluster, target, `instant-${flavor}`);
      assert.deepEqual(
        atInstant.restored,
        idsThrough(cluster.rows, before.id),
        `exactly the rows committed at or before ${isoMicros(instant)}`,
      );
      assert.deepEqual(
        [atInstant.progress.throughGtid, atInstant.progress.throughCommit],
        [plan.throughGtid, plan.throughCommit],
        'the query names the last transaction applied',
      );
      assert.equal(
        atInstant.progress.verification?.rowCounts['oracle.commits'],
        before.id,
        'the query shows the verification while the instance is kept',
      );
      const again = await requestRestore(client, {
        tenantId: cluster.ids.tenantId,
        clusterId: cluster.ids.clusterId,
        target,
        idempotencyKey: `instant-${flavor}`,
      });
      assert.deepEqual([again.started, again.restoreId], [false, atInstant.requested.restoreId], 'the same key is the same restore');
      await atInstant.requested.handle.signal(extendRestoreSignal, 60 * 60_000);
      const extended = await atInstant.requested.handle.query(restoreProgressQuery);
      assert.ok(
        Date.parse(extended.keptUntil!) - Date.parse(atInstant.progress.keptUntil!) >= 59 * 60_000,
        'extend moves the teardown an hour later',
      );
      const result = await released(atInstant.requested, `pitrRestoreWorkflow.instant-${flavor}`);
      assert.equal(result.appliedThrough, plan.expectedGtids);
      assert.equal(result.throughCommit, plan.throughCommit);
      assert.equal(result.verification?.rowCounts['oracle.commits'], before.id);
      assert.deepEqual(result.instance, atInstant.progress.instance, 'the result names where the instance was kept');
      assert.equal(existsSync(join(RESTORE_ROOT, atInstant.requested.restoreId)), false, 'the released instance left nothing behind');
    });

    test(`${flavor}: a restore to a GTID set holds exactly the transactions in it`, async () => {
      const { cluster, after } = await scenario();
      const gtidRow = after[Math.floor(after.length / 3)]!;
      const atGtid = await keptRestore(await temporalClient(), cluster, parseRestoreTarget(`gtid:${gtidRow.gtidAfter}`), `gtid-${flavor}`);
      assert.deepEqual(atGtid.restored, idsThrough(cluster.rows, gtidRow.id));
      const result = await released(atGtid.requested, `pitrRestoreWorkflow.gtid-${flavor}`);
      assert.equal(result.appliedThrough, gtidRow.gtidAfter);
    });

    test(`${flavor}: pitr restore --to latest --wait restores every archived commit; the same --key starts nothing new`, async () => {
      const { cluster } = await scenario();
      const latest = await pitr('restore', ...clusterOptions(cluster), '--to', 'latest', '--key', `latest-${flavor}`, '--wait', '--json');
      assert.equal(latest.code, 0, latest.stderr);
      const latestResult = JSON.parse(latest.stdout) as PitrRestoreResult;
      assert.equal(latestResult.verification?.rowCounts['oracle.commits'], cluster.rows.length);
      assert.equal(latestResult.appliedThrough, cluster.rows[cluster.rows.length - 1]!.gtidAfter);
      assert.equal(latestResult.instance, null, 'a restore that was not kept names no instance');
      const repeated = await pitr('restore', ...clusterOptions(cluster), '--to', 'latest', '--key', `latest-${flavor}`, '--json');
      assert.deepEqual(JSON.parse(repeated.stdout), { restoreId: latestResult.restoreId, started: false });
    });

    test(`${flavor}: a restore verification run restores a random recent instant, verified, and leaves nothing behind`, async () => {
      const { cluster } = await scenario();
      const handle = await (await temporalClient()).workflow.start(restoreVerificationWorkflow, {
        taskQueue: CENTRAL_TASK_QUEUE,
        workflowId: `verify-restore-${cluster.ids.clusterId}`,
        args: [{ tenantId: cluster.ids.tenantId, clusterId: cluster.ids.clusterId, lookbackSeconds: 3600 }],
      });
      const { target, result } = await handle.result();
      await recordHistory(handle, `restoreVerificationWorkflow.${flavor}`);
      assert.equal(target.kind, 'instant');
      const at = microsOf((target as { at: string }).at);
      // The latest each row can have committed at as the binlog stamps it: MariaDB's stamps are whole seconds.
      const commitOf = (r: CommittedRow) => (flavor === 'mysql' ? r.micros : Math.floor(r.micros / 1e6) * 1e6 + 999_999);
      const surely = cluster.rows.filter((r) => commitOf(r) <= at - 5_000).length;
      const atMost = cluster.rows.filter((r) => commitOf(r) <= at).length;
      const restored = result.verification!.rowCounts['oracle.commits']!;
      assert.ok(surely <= restored && restored <= atMost, `${restored} rows restored at ${isoMicros(at)}, expected ${surely}..${atMost}`);
      assert.equal(existsSync(join(RESTORE_ROOT, `${handle.workflowId}-restore`)), false);
    });

    test(`${flavor}: cancelling a kept restore tears its instance down`, async () => {
      const { cluster } = await scenario();
      const kept = await keptRestore(await temporalClient(), cluster, { kind: 'latest' }, `cancel-${flavor}`);
      assert.equal(existsSync(join(RESTORE_ROOT, kept.requested.restoreId)), true);
      await kept.requested.handle.cancel();
      await assert.rejects(kept.requested.handle.result());
      assert.equal(existsSync(join(RESTORE_ROOT, kept.requested.restoreId)), false, 'the cancelled restore left nothing behind');
      await recordHistory(kept.requested.handle, `pitrRestoreWorkflow.cancelled-${flavor}`);
    });

    test(`${flavor}: targets before the oldest backup or in the future are refused with the windows; any zone and TZ plan the same UTC instant`, async () => {
      const { cluster, instant, plan } = await scenario();
      const early = await pitr('plan', ...clusterOptions(cluster), '--to', isoMicros(cluster.rows[0]!.micros));
      assert.equal(early.code, 2);
      assert.match(early.stderr, /before the oldest completed base backup.*recoverable windows: /s);
      const future = await pitr('plan', ...clusterOptions(cluster), '--to', isoMicros((Date.now() + 3600_000) * 1000));
      assert.equal(future.code, 2);
      assert.match(future.stderr, /in the future.*recoverable windows: /s);
      const kolkata = new Date(instant / 1000 + 5.5 * 3600_000)
        .toISOString()
        .replace(/\.\d+Z$/, `.${String(instant % 1_000_000).padStart(6, '0')}+05:30`);
      const elsewhere = await pitrIn({ TZ: 'Asia/Kolkata' }, 'plan', ...clusterOptions(cluster), '--to', kolkata, '--json');
      assert.equal(elsewhere.code, 0, elsewhere.stderr);
      assert.deepEqual(planOf(elsewhere.stdout), plan, 'the same plan, whatever the zone');
    });

    test(`${flavor}: a tampered manifest or artifact is refused before anything is restored, and the failure is recorded`, async () => {
      const { cluster, target, plan } = await scenario();
      const client = await temporalClient();
      // A tampered manifest or artifact is refused before anything is restored.
      const central = await centralReady;
      const services = artifactServicesFromConfig(central);
      const refused: string[] = [];
      async function refusedWhenTampered(key: string, tamper: (bytes: Buffer) => Buffer, name: string): Promise<string | undefined> {
        const { bytes: original, totalSize } = await services.store.getRange(key, 0, 64 << 20);
        assert.equal(original.length, totalSize);
        await services.store.put(key, tamper(original));
        try {
          const tampered = await requestRestore(client, {
            tenantId: cluster.ids.tenantId,
            clusterId: cluster.ids.clusterId,
            target,
            idempotencyKey: `${name}-${flavor}`,
          });
          refused.push(tampered.restoreId);
          let type: string | undefined;
          await assert.rejects(tampered.handle.result(), (err: Error) => {
            type = (err.cause as { cause?: { type?: string } } | undefined)?.cause?.type;
            return true;
          });
          assert.equal(existsSync(join(RESTORE_ROOT, tampered.restoreId)), false, 'nothing is left provisioned');
          const history = await tampered.handle.fetchHistory();
          const scheduled = (history.events ?? []).flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
          assert.ok(!scheduled.includes('fetchSegments') && !scheduled.includes('applyToTarget'), 'no binlog was fetched or applied');
          await recordHistory(tampered.handle, `pitrRestoreWorkflow.${name}-${flavor}`);
          return type;
        } finally {
          await services.store.put(key, original);
        }
      }
      try {
        const manifestType = await refusedWhenTampered(
          plan.backup.manifestKey,
          (bytes) => {
            const envelope = JSON.parse(bytes.toString()) as { manifest: { schemaTables: string[] } };
            envelope.manifest.schemaTables = envelope.manifest.schemaTables.filter((t) => t !== 'oracle.commits');
            return Buffer.from(JSON.stringify(envelope));
          },
          'tampered-manifest',
        );
        assert.equal(manifestType, 'ManifestRejectedError');
        const artifactType = await refusedWhenTampered(
          plan.backup.artifactKey,
          (bytes) => {
            const copy = Buffer.from(bytes);
            const middle = copy.length >> 1;
            copy.writeUInt8(copy.readUInt8(middle) ^ 0xff, middle);
            return copy;
          },
          'tampered-artifact',
        );
        assert.match(artifactType ?? '', /^Artifact/);
      } finally {
        services.close();
      }
      const outcomes = await withCentralCatalog((catalog) => listRestores(catalog, cluster.ids.tenantId, cluster.ids.clusterId));
      const failed = outcomes.filter((o) => o.status === 'failed');
      assert.deepEqual(failed.map((o) => o.restoreId).sort(), refused.sort(), 'each refusal is recorded as a failed restore');
      assert.ok(failed.some((o) => /changed after it was signed/.test(o.failure ?? '')));
    });
  }

  for (const flavor of flavors) {
    test(`${flavor}: a transaction the restored server refuses ends the restore with the server's own message, recorded`, async () => {
      await centralReady;
      const db = await freshDbInstance(flavor);
      const ids = { tenantId: 't-restore', clusterId: `c-conflict-${flavor}-${process.pid}`, engine: ENGINE[flavor] };
      await startTestCluster(db, ids);
      await setRpo(ids, flavor, 1);
      const conn = await sql(db);
      // Row 7 reaches the backup without a binlog event; after the backup it is deleted unlogged and inserted logged.
      await conn.query(
        'CREATE DATABASE shop; CREATE TABLE shop.items (id INT PRIMARY KEY); SET SESSION sql_log_bin = 0; INSERT INTO shop.items VALUES (7); SET SESSION sql_log_bin = 1;',
      );
      await (await startBackup({ tenantId: ids.tenantId, clusterId: ids.clusterId })).handle.result();
      await conn.query(
        'SET SESSION sql_log_bin = 0; DELETE FROM shop.items WHERE id = 7; SET SESSION sql_log_bin = 1; INSERT INTO shop.items VALUES (7);',
      );
      await conn.end();
      const client = await temporalClient();
      await sleep(1200);
      await archivePass(client, ids);

      const requested = await requestRestore(client, {
        tenantId: ids.tenantId,
        clusterId: ids.clusterId,
        target: { kind: 'latest' },
        idempotencyKey: 'conflict',
      });
      await assert.rejects(requested.handle.result(), (err: Error) => {
        const failure = (err.cause as { cause?: { type?: string; message: string } } | undefined)?.cause;
        return failure?.type === 'ApplyFailedError' && /Duplicate entry '7'/.test(failure.message);
      });
      const outcomes = await withCentralCatalog((catalog) => listRestores(catalog, ids.tenantId, ids.clusterId));
      assert.deepEqual(
        outcomes.map((o) => o.status),
        ['failed'],
      );
      assert.match(outcomes[0]!.failure ?? '', /Duplicate entry '7'/);
      assert.equal(existsSync(join(RESTORE_ROOT, requested.restoreId)), false, 'the failed restore left nothing behind');
    });
  }

  for (const flavor of flavors) {
    test(`${flavor}: a temporary table filled in one binlog and read in the next restores whole: the range replays in one applier session`, async () => {
      await centralReady;
      const db = await freshDbInstance(flavor);
      const ids = { tenantId: 't-restore', clusterId: `c-session-${flavor}-${process.pid}`, engine: ENGINE[flavor] };
      await startTestCluster(db, ids);
      await setRpo(ids, flavor, 1);
      const conn = await sql(db);
      await conn.query('CREATE DATABASE shop; CREATE TABLE shop.items (id INT PRIMARY KEY)');
      await (await startBackup({ tenantId: ids.tenantId, clusterId: ids.clusterId })).handle.result();
      // Statement logging writes the temporary table to the binlog; the rotation puts its use in the next file.
      await conn.query(
        "SET SESSION binlog_format = 'STATEMENT'; CREATE TEMPORARY TABLE shop.staging (id INT); INSERT INTO shop.staging VALUES (1), (2), (3)",
      );
      await conn.query('FLUSH BINARY LOGS');
      await conn.query('INSERT INTO shop.items SELECT id FROM shop.staging; DROP TEMPORARY TABLE shop.staging');
      await conn.end();
      const client = await temporalClient();
      await sleep(1200);
      await archivePass(client, ids);

      const requested = await requestRestore(client, {
        tenantId: ids.tenantId,
        clusterId: ids.clusterId,
        target: { kind: 'latest' },
        keepForMs: 60_000,
        idempotencyKey: 'session',
      });
      let progress: RestoreProgress;
      do {
        await sleep(250);
        progress = await requested.handle.query(restoreProgressQuery);
      } while (progress.phase !== 'kept' && progress.phase !== 'failed');
      assert.equal(progress.phase, 'kept', progress.error ?? '');
      const restored = await createConnection(signInAt(progress.instance!));
      const [rows] = await restored.query('SELECT id FROM shop.items ORDER BY id');
      await restored.end();
      assert.deepEqual(
        (rows as Array<{ id: number }>).map((r) => r.id),
        [1, 2, 3],
      );
      await requested.handle.signal(releaseRestoreSignal);
      await requested.handle.result();
    });
  }

  if (flavors.includes('mysql'))
    test('mysql: an apply that stops moving fails the restore with a clear error once the stall limit passes, instead of hanging', async () => {
      await centralReady;
      const db = await freshDbInstance('mysql');
      const ids = { tenantId: 't-restore', clusterId: `c-stall-mysql-${process.pid}`, engine: ENGINE.mysql };
      await startTestCluster(db, ids);
      await setRpo(ids, 'mysql', 1);
      const conn = await sql(db);
      await conn.query('CREATE DATABASE shop; CREATE TABLE shop.items (id INT PRIMARY KEY)');
      await (await startBackup({ tenantId: ids.tenantId, clusterId: ids.clusterId })).handle.result();
      // Logged as a statement, the sleep runs again on the restored server: a transaction that takes far longer than the stall limit.
      await conn.query("SET SESSION binlog_format = 'STATEMENT'; INSERT INTO shop.items SELECT 1 FROM DUAL WHERE SLEEP(15) = 0");
      await conn.end();
      const client = await temporalClient();
      await sleep(1200);
      await archivePass(client, ids);

      const started = Date.now();
      const requested = await requestRestore(client, {
        tenantId: ids.tenantId,
        clusterId: ids.clusterId,
        target: { kind: 'latest' },
        applyStallSeconds: 4,
        idempotencyKey: 'stall',
      });
      await assert.rejects(requested.handle.result(), (err: Error) => {
        const failure = (err.cause as { cause?: { type?: string; message: string } } | undefined)?.cause;
        return failure?.type === 'ApplyStalledError' && /made no progress for 4s/.test(failure.message);
      });
      assert.ok(Date.now() - started < 60_000, 'the stall ended the restore well before the sleeping transaction would have let it finish');
      const outcomes = await withCentralCatalog((catalog) => listRestores(catalog, ids.tenantId, ids.clusterId));
      assert.deepEqual(
        outcomes.map((o) => o.status),
        ['failed'],
      );
    });

  for (const flavor of flavors) {
    test(`${flavor}: an instant inside an archive gap is refused, naming the gap and the recoverable window`, async () => {
      await centralReady;
      const db = await freshDbInstance(flavor);
      const ids = { tenantId: 't-restore', clusterId: `c-gap-${flavor}-${process.pid}`, engine: ENGINE[flavor] };
      await startTestCluster(db, ids);
      await setRpo(ids, flavor, 1);
      const client = await temporalClient();
      const conn = await sql(db);
      await writeAndRotate(conn, 3);
      await (await startBackup({ tenantId: ids.tenantId, clusterId: ids.clusterId })).handle.result();
      await writeAndRotate(conn, 2);
      await archivePass(client, ids);
      // Whole seconds apart, so MariaDB's second-precision commit times keep the three stretches apart.
      await sleep(1100);
      await writeAndRotate(conn, 2);
      const lostAt = Date.now() * 1000;
      const purged = await purgeAllButActive(conn);
      await sleep(1100);
      await writeAndRotate(conn, 2);
      await conn.end();
      await archivePass(client, ids).catch(() => undefined);
      await archivePass(client, ids);

      const refused = await pitr('plan', '--tenant', ids.tenantId, '--cluster', ids.clusterId, '--to', isoMicros(lostAt));
      assert.equal(refused.code, 2, refused.stdout);
      assert.match(refused.stderr, /inside a gap of the archive or a stretch no base backup replays/);
      assert.match(refused.stderr, new RegExp(`gap: [^;]*${purged[purged.length - 1]!.replace('.', '\\.')}[^;]*purged before archiving`));
      assert.match(
        refused.stderr,
        /recoverable windows: \S+ (… \S+|only \(no archived commit is newer than the backup\)) \(backup backup\./,
      );
    });
  }
}
