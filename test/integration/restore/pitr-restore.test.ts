import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import { listBackups } from '../../../activities/catalog/backups';
import { artifactServicesFromConfig } from '../../../activities/config/artifact-services';
import { listRestores } from '../../../activities/restore/outcomes';
import { requestRestore } from '../../../client/restore/request';
import { isoMicros } from '../../../domain/archive/recoverable';
import type { EngineName, Flavor } from '../../../domain/backup';
import type { RestorePlan } from '../../../domain/restore/plan';
import { parseRestoreTarget, type RestoreTarget } from '../../../domain/restore/target';
import type { RestoreProgress } from '../../../domain/restore/workflow-types';
import { releaseRestoreSignal, restoreProgressQuery } from '../../../workflows';
import { startCentralWorkers } from '../../../workers/central-worker';
import { testStack } from '../../harness/env';
import { recordHistory } from '../../harness/histories';
import { freshDbInstance } from '../../harness/instances';
import { centralConfig, startBackup, startTestCentralWorkers, startTestCluster, temporalClient, workflowBundle } from '../../harness/workers';
import { archivePass, ENGINE, setRpo, withCentralCatalog } from '../archive/archive-harness';
import { OracleWriter, restoredIds, type CommittedRow } from './oracle-writer';

const RESTORE_ROOT = join(testStack().stateDir, 'restores');
process.env.PITR_RESTORE_DIR = RESTORE_ROOT;
const centralReady = startTestCentralWorkers();
// The restore task queue, served in this process as the central worker process serves it.
const restoreWorkerReady = (async () => {
  const running = await startCentralWorkers(centralConfig(), ['restore'], await workflowBundle());
  const done = running.run();
  after(async () => {
    running.shutdown();
    await done;
    await running.close();
  });
})();

const run = promisify(execFile);
const cli = resolve(__dirname, '../../../client/cli.js');

async function pitr(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args, '--config', testStack().configs.central]);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

interface Cluster {
  flavor: Flavor;
  ids: { tenantId: string; clusterId: string; engine: EngineName };
  rows: CommittedRow[];
  backupFinishedMicros: number;
}

/** Rows committed under the writer, a base backup mid-stream, more rows, then everything archived. */
async function archivedCluster(flavor: Flavor): Promise<Cluster> {
  await centralReady;
  await restoreWorkerReady;
  const db = await freshDbInstance(flavor);
  const ids = { tenantId: 't-restore', clusterId: `c-restore-${flavor}-${process.pid}`, engine: ENGINE[flavor] };
  await startTestCluster(db, ids);
  await setRpo(ids, flavor, 1);
  const writer = await OracleWriter.open(db);
  // MySQL commits sub-second apart; MariaDB's binlog keeps whole seconds, so its rows span several.
  const [interval, settle] = flavor === 'mysql' ? [40, 2000] : [300, 5000];
  writer.start(interval);
  await sleep(settle / 2);
  await (await startBackup({ tenantId: ids.tenantId, clusterId: ids.clusterId })).handle.result();
  await sleep(settle);
  const rows = await writer.stop();
  const client = await temporalClient();
  await sleep(1200);
  await archivePass(client, ids);
  const [backup] = await withCentralCatalog((catalog) => listBackups(catalog, ids.tenantId, ids.clusterId));
  return { flavor, ids, rows, backupFinishedMicros: Date.parse(backup!.finishedAt) * 1000 };
}

async function keptRestore(client: Client, cluster: Cluster, target: RestoreTarget, key: string) {
  const requested = await requestRestore(client, { tenantId: cluster.ids.tenantId, clusterId: cluster.ids.clusterId, target, keepForMs: 10 * 60_000, idempotencyKey: key });
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

const idsThrough = (rows: CommittedRow[], last: number) => rows.filter((r) => r.id <= last).map((r) => r.id);

for (const flavor of ['mysql', 'mariadb'] as const) {
  test(`${flavor}: a restore to an instant between two commits, and to a GTID, holds exactly the rows committed up to it`, async () => {
    const cluster = await archivedCluster(flavor);
    const client = await temporalClient();
    const after = cluster.rows.filter((r) => r.micros > cluster.backupFinishedMicros + 100_000);
    assert.ok(after.length >= 4, `rows were written after the backup (${after.length})`);

    // Instant: between two commits (on MariaDB, in the second after one row's and before the next row's).
    const pair = flavor === 'mysql'
      ? after.findIndex((_row, i) => i > 0 && i >= after.length / 2)
      : after.findIndex((r, i) => i > 0 && Math.floor(r.micros / 1e6) > Math.floor(after[i - 1]!.micros / 1e6) && i >= after.length / 3);
    const [before, next] = [after[pair - 1]!, after[pair]!];
    const instant = flavor === 'mysql' ? Math.floor((before.micros + next.micros) / 2) : Math.floor(before.micros / 1e6) * 1e6 + 999_999;
    if (flavor === 'mysql') assert.ok(next.micros - before.micros < 1_000_000, 'the two commits are sub-second apart');
    const target = parseRestoreTarget(isoMicros(instant));

    const planned = await pitr('plan', '--tenant', cluster.ids.tenantId, '--cluster', cluster.ids.clusterId, '--to', isoMicros(instant), '--json');
    assert.equal(planned.code, 0, planned.stderr);
    const plan = JSON.parse(planned.stdout) as RestorePlan;
    assert.ok(plan.segments.length >= 1);

    const atInstant = await keptRestore(client, cluster, target, `instant-${flavor}`);
    assert.deepEqual(atInstant.restored, idsThrough(cluster.rows, before.id), `exactly the rows committed at or before ${isoMicros(instant)}`);
    const again = await requestRestore(client, { tenantId: cluster.ids.tenantId, clusterId: cluster.ids.clusterId, target, idempotencyKey: `instant-${flavor}` });
    assert.deepEqual([again.started, again.restoreId], [false, atInstant.requested.restoreId], 'the same key is the same restore');
    const result = await released(atInstant.requested, `pitrRestoreWorkflow.instant-${flavor}`);
    assert.equal(result.appliedThrough, plan.expectedGtids);
    assert.equal(result.verification?.rowCounts['oracle.commits'], before.id);
    assert.equal(existsSync(join(RESTORE_ROOT, atInstant.requested.restoreId)), false, 'the released instance left nothing behind');

    // GTID: the state right after a row, restored exactly.
    const gtidRow = after[Math.floor(after.length / 3)]!;
    const atGtid = await keptRestore(client, cluster, parseRestoreTarget(`gtid:${gtidRow.gtidAfter}`), `gtid-${flavor}`);
    assert.deepEqual(atGtid.restored, idsThrough(cluster.rows, gtidRow.id));
    await released(atGtid.requested, `pitrRestoreWorkflow.gtid-${flavor}`);

    const outcomes = await withCentralCatalog((catalog) => listRestores(catalog, cluster.ids.tenantId, cluster.ids.clusterId));
    assert.deepEqual(outcomes.map((o) => o.status), ['succeeded', 'succeeded']);

    // Refusals name the recoverable windows.
    const early = await pitr('plan', '--tenant', cluster.ids.tenantId, '--cluster', cluster.ids.clusterId, '--to', isoMicros(cluster.rows[0]!.micros));
    assert.equal(early.code, 2);
    assert.match(early.stderr, /before the oldest completed base backup.*recoverable windows: /s);
    const future = await pitr('plan', '--tenant', cluster.ids.tenantId, '--cluster', cluster.ids.clusterId, '--to', isoMicros((Date.now() + 3600_000) * 1000));
    assert.equal(future.code, 2);
    assert.match(future.stderr, /in the future.*recoverable windows: /s);

    // A tampered manifest is refused before anything is provisioned or restored.
    const central = await centralReady;
    const services = artifactServicesFromConfig(central);
    try {
      const key = plan.backup.manifestKey;
      const original = (await services.store.getRange(key, 0, 1 << 20)).bytes;
      const envelope = JSON.parse(original.toString()) as { manifest: { schemaTables: string[] } };
      envelope.manifest.schemaTables = envelope.manifest.schemaTables.filter((t) => t !== 'oracle.commits');
      await services.store.put(key, Buffer.from(JSON.stringify(envelope)));
      try {
        const tampered = await requestRestore(client, { tenantId: cluster.ids.tenantId, clusterId: cluster.ids.clusterId, target, idempotencyKey: `tampered-${flavor}` });
        await assert.rejects(tampered.handle.result(), (err: Error) => {
          const failure = (err.cause as { cause?: { type?: string; message: string } } | undefined)?.cause;
          return failure?.type === 'ManifestRejectedError' && /changed after it was signed/.test(failure.message);
        });
        assert.equal(existsSync(join(RESTORE_ROOT, tampered.restoreId)), false, 'nothing was provisioned');
      } finally {
        await services.store.put(key, original);
      }
    } finally {
      services.close();
    }
  });
}
