import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import { listBackups, type BackupRecord } from '../../../adapters/catalog/backups';
import type { SegmentRecord } from '../../../adapters/catalog/segments';
import { artifactServicesFromConfig } from '../../../adapters/config/artifact-services';
import { ArtifactExpiredError, holdArtifacts } from '../../../adapters/catalog/retention';
import { createRetentionActivities, deleteObjects } from '../../../activities/retention/activities';
import type { ExpiryPlan } from '../../../activities/retention/types';
import { requestRestore } from '../../../client/restore/request';
import { isoMicros, microsOf, type Recoverability } from '../../../domain/archive/recoverable';
import type { Flavor } from '../../../domain/backup';
import type { RestorePlan } from '../../../domain/restore/plan';
import type { PitrRestoreResult, RestoreProgress } from '../../../domain/restore/workflow-types';
import { expireWorkflow, releaseRestoreSignal, restoreProgressQuery } from '../../../workflows';
import { CENTRAL_TASK_QUEUE } from '../../../domain/task-queues';
import type { ExpireResult } from '../../../workflows/expire';
import { testStack } from '../../harness/env';
import { recordHistory } from '../../harness/histories';
import { freshDbInstance } from '../../harness/instances';
import { centralConfig, startBackup, startTestCentralWorkers, startTestCluster, temporalClient } from '../../harness/workers';
import {
  archiveOf,
  archivePass,
  ENGINE,
  executedGtids,
  segmentsOf,
  sql,
  withCentralCatalog,
  writeAndRotate,
  type ClusterIds,
} from '../archive/archive-harness';

process.env.PITR_RESTORE_DIR = join(testStack().stateDir, 'restores');
const centralReady = startTestCentralWorkers();
type Ids = ClusterIds & { flavor: Flavor };

const run = promisify(execFile);
const cli = resolve(__dirname, '../../../client/cli.js');

async function pitr(ids: Ids, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [
      cli,
      ...args,
      '--tenant',
      ids.tenantId,
      '--cluster',
      ids.clusterId,
      '--config',
      testStack().configs.central,
    ]);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function pitrJson<T>(ids: Ids, ...args: string[]): Promise<T> {
  const result = await pitr(ids, ...args, '--json');
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as T;
}

/** A backup as `pitr backup` takes it, once verified and once the expiry verification starts has run. */
async function verifiedBackup(client: Client, ids: Ids): Promise<string> {
  const { handle, workflowId } = await startBackup(ids);
  await handle.result();
  const [verify, expire] = [client.workflow.getHandle(`${workflowId}-verify`), client.workflow.getHandle(`${workflowId}-expire`)];
  await verify.result();
  await expire.result();
  await recordHistory(verify, `backupVerificationWorkflow.retention-${ids.flavor}`);
  await recordHistory(expire, `expireWorkflow.after-verification-${ids.flavor}`);
  return workflowId;
}

interface Scenario {
  ids: Ids;
  client: Client;
  first: BackupRecord;
  second: BackupRecord;
  sourceGtids: string;
  /** An instant only the first backup can reach: just before the second one finished. */
  betweenBackups: string;
}

/** Two verified backups with rows before, between and after them, and every binlog archived. */
async function scenarioOf(flavor: Flavor): Promise<Scenario> {
  await centralReady;
  const ids = { tenantId: 't-retention', clusterId: `c-retention-${flavor}-${process.pid}`, engine: ENGINE[flavor], flavor };
  const db = await freshDbInstance(flavor);
  await startTestCluster(db, ids);
  const client = await temporalClient();
  const conn = await sql(db);
  try {
    // MariaDB's binlog keeps whole seconds: rows written a second after a backup commit after it.
    await writeAndRotate(conn, 3);
    const firstId = await verifiedBackup(client, ids);
    await sleep(1100);
    await writeAndRotate(conn, 3);
    // ...and a restore to an instant just before the next backup ends includes them only once their second is over.
    await sleep(1100);
    const secondId = await verifiedBackup(client, ids);
    await sleep(1100);
    await writeAndRotate(conn, 3);
    await archivePass(client, ids);
    const backups = await withCentralCatalog((catalog) => listBackups(catalog, ids.tenantId, ids.clusterId));
    const [first, second] = [firstId, secondId].map((id) => backups.find((b) => b.backupId === id)!);
    assert.ok(first?.verifiedAt && second?.verifiedAt, 'verification records each backup it read back');
    return {
      ids,
      client,
      first: first!,
      second: second!,
      sourceGtids: await executedGtids(conn, flavor),
      betweenBackups: isoMicros(microsOf(second!.finishedAt) - 1000),
    };
  } finally {
    await conn.end();
  }
}

const backupObjects = (b: BackupRecord) => [b.artifactKey!, b.manifestKey!];
const segmentObjects = (s: SegmentRecord) => [s.objectKey!, s.indexKey!];

async function existing(keys: string[]): Promise<string[]> {
  const services = artifactServicesFromConfig(centralConfig());
  try {
    const found: string[] = [];
    for (const key of keys) if (await services.store.head(key)) found.push(key);
    return found;
  } finally {
    services.close();
  }
}

async function state(ids: Ids) {
  const backups = await withCentralCatalog((catalog) => listBackups(catalog, ids.tenantId, ids.clusterId));
  return { backups: new Map(backups.map((b) => [b.backupId, b])), segments: segmentsOf(await archiveOf(ids)) };
}

/** A restore to `at`, kept running: its hold lasts until it is released. */
async function keptRestore(client: Client, ids: Ids, at: string) {
  const requested = await requestRestore(client, {
    ...ids,
    target: { kind: 'instant', at },
    keepForMs: 10 * 60_000,
    idempotencyKey: `hold-${at}`,
  });
  const deadline = Date.now() + 5 * 60_000;
  let progress: RestoreProgress = await requested.handle.query(restoreProgressQuery);
  while (progress.phase !== 'kept') {
    assert.ok(
      progress.phase !== 'failed' && progress.phase !== 'done',
      `the restore ended before it was kept: ${progress.error ?? progress.phase}`,
    );
    assert.ok(Date.now() < deadline, `the restore was not kept in time (phase ${progress.phase})`);
    await sleep(250);
    progress = await requested.handle.query(restoreProgressQuery);
  }
  return requested;
}

const windowsOf = (r: Pick<Recoverability, 'windows'>) =>
  r.windows.map((w) => [w.baseBackup.backupId, w.firstFile, w.lastFile, w.newestCommit]);

for (const flavor of ['mysql', 'mariadb'] as const) {
  let shared: Promise<Scenario> | undefined;
  const scenario = () => (shared ??= scenarioOf(flavor));
  let policyPlan: ExpiryPlan | undefined;

  test(`${flavor}: a keep-1 policy would expire the older backup and the binlogs only it needs; a running restore holding them keeps them`, async () => {
    const { ids, client, first, second, betweenBackups } = await scenario();
    const untouched = await pitrJson<ExpiryPlan>(ids, 'expire', '--dry-run');
    assert.deepEqual(untouched.decision.backups, [], 'the standard tier keeps both backups');
    const [before, after] = [untouched.decision.before.windows, untouched.decision.after.windows];
    assert.deepEqual([before.length, before[0]?.baseBackup.backupId], [1, first.backupId]);
    assert.deepEqual(
      [after.length, after[0]?.baseBackup.backupId, after[0]?.newestCommit],
      [1, first.backupId, before[0]!.newestCommit],
      'only binlogs older than every backup would go',
    );

    const policy = await pitrJson<{ policy: { keepBackups: number; keepDays: number } }>(
      ids,
      'cluster',
      'retention',
      '--keep-backups',
      '1',
      '--keep-days',
      '0',
    );
    assert.deepEqual(policy.policy, { keepBackups: 1, keepDays: 0 });
    policyPlan = await pitrJson<ExpiryPlan>(ids, 'expire', '--dry-run');
    const { decision } = policyPlan;
    assert.deepEqual(decision.backups, [first.backupId]);
    assert.ok(decision.segments.length > 0, 'binlogs before the second backup expire with the first');
    assert.deepEqual(
      windowsOf(decision.after).map((w) => w[0]),
      [second.backupId],
      'afterwards the window starts at the backup the policy keeps',
    );
    assert.equal(
      decision.after.windows[0]!.newestCommit,
      decision.before.windows[0]!.newestCommit,
      'and still reaches the newest archived commit',
    );
    assert.deepEqual((await state(ids)).backups.get(first.backupId)?.status, 'completed', 'a dry run changes nothing');

    const restore = await keptRestore(client, ids, betweenBackups);
    try {
      const plan = await pitrJson<RestorePlan>(ids, 'plan', '--to', betweenBackups);
      assert.equal(plan.backup.backupId, first.backupId);
      const held = await pitrJson<ExpireResult>(ids, 'expire');
      assert.deepEqual(held.expiredBackups, [], 'the backup a running restore reads is not expired');
      const now = await state(ids);
      assert.equal(now.backups.get(first.backupId)?.status, 'completed');
      assert.deepEqual(await existing(backupObjects(first)), backupObjects(first));
      const planned = now.segments.filter((s) => plan.segments.some((p) => p.file === s.file));
      assert.deepEqual(
        planned.map((s) => s.status),
        planned.map(() => 'archived'),
        'neither are the binlogs it replays',
      );
      assert.deepEqual(await existing(planned.flatMap(segmentObjects)), planned.flatMap(segmentObjects));
    } finally {
      await restore.handle.signal(releaseRestoreSignal);
      await restore.handle.result();
    }
    await recordHistory(restore.handle, `pitrRestoreWorkflow.retention-hold-${flavor}`);
    const holds = await withCentralCatalog((catalog) =>
      catalog.withTenant(
        ids.tenantId,
        async (db) =>
          (
            await db.query('SELECT released_at FROM artifact_holds WHERE cluster_id = $1 AND holder = $2', [
              ids.clusterId,
              restore.restoreId,
            ])
          ).rows,
      ),
    );
    assert.ok(
      holds.length >= 2 && holds.every((h: { released_at: Date | null }) => h.released_at !== null),
      'the finished restore released every hold it took',
    );
    const foreign = await withCentralCatalog((catalog) =>
      catalog.withTenant(
        't-someone-else',
        async (db) => (await db.query('SELECT 1 FROM artifact_holds WHERE cluster_id = $1', [ids.clusterId])).rowCount,
      ),
    );
    assert.equal(foreign, 0, 'another tenant sees none of its holds');
  });

  test(`${flavor}: a worker killed between deleting objects and updating the catalog leaves nothing half-removed after the next run`, async () => {
    const { ids, client, first, betweenBackups } = await scenario();
    const services = artifactServicesFromConfig(centralConfig());
    let expiring: string[];
    try {
      // The workflow's steps up to the deletion, run by hand; the "worker" dies after half the objects.
      const activities = await withCentralCatalog(async (catalog) => {
        const retention = createRetentionActivities(catalog, services);
        const { decision } = await retention.planExpiry(ids);
        assert.deepEqual(decision.backups, [first.backupId], 'released, the first backup expires now');
        return retention.markExpiring({ ...ids, chosen: { backups: decision.backups, segments: decision.segments } });
      });
      expiring = [...activities.backups, ...activities.segments].flatMap((a) => a.objectKeys);
      await deleteObjects(services.store, expiring.slice(0, Math.ceil(expiring.length / 2)), () => undefined);
    } finally {
      services.close();
    }
    const killed = await state(ids);
    assert.equal(killed.backups.get(first.backupId)?.status, 'expiring');
    const refused = await pitr(ids, 'plan', '--to', betweenBackups);
    assert.equal(refused.code, 2, 'no restore plans from an expiring backup');
    assert.match(refused.stderr, /before the oldest completed base backup/);

    const next = await client.workflow.start(expireWorkflow, {
      taskQueue: CENTRAL_TASK_QUEUE,
      workflowId: `expire-after-kill-${ids.clusterId}`,
      args: [ids],
    });
    const finished = await next.result();
    await recordHistory(next, `expireWorkflow.finishes-interrupted-${flavor}`);
    assert.deepEqual(finished.expiredBackups, [first.backupId], 'the next run finishes what the killed one started');
    assert.equal(finished.objectsDeleted, expiring.length, 'deleting an object already gone is no error');
    assert.deepEqual(await existing(expiring), [], 'every object of the expired artifacts is gone');
    const after = await state(ids);
    assert.equal(after.backups.get(first.backupId)?.status, 'expired');
    assert.deepEqual(
      after.segments.filter((s) => s.status === 'expiring'),
      [],
    );
  });

  test(`${flavor}: after expiry: rows kept as expired history, the recoverable window is the one the policy keeps, and latest restores`, async () => {
    const { ids, first, second, sourceGtids } = await scenario();
    const { backups, segments } = await state(ids);
    const expired = segments.filter((s) => s.status === 'expired');
    assert.deepEqual(
      expired.map((s) => s.file),
      policyPlan!.decision.segments.map((s) => s.file),
    );
    assert.deepEqual([backups.get(first.backupId)?.status, backups.get(second.backupId)?.status], ['expired', 'completed']);
    assert.deepEqual(await existing([...backupObjects(first), ...expired.flatMap(segmentObjects)]), []);
    const kept = segments.filter((s) => s.status === 'archived');
    assert.deepEqual(await existing([...backupObjects(second), ...kept.flatMap(segmentObjects)]), [
      ...backupObjects(second),
      ...kept.flatMap(segmentObjects),
    ]);

    await assert.rejects(
      withCentralCatalog((catalog) =>
        holdArtifacts(catalog, { ...ids, holder: `late-restore-${flavor}`, backupIds: [first.backupId], segments: [] }),
      ),
      ArtifactExpiredError,
      'a restore that planned before expiry cannot hold what expiry removed',
    );

    const recoverable = await pitrJson<Recoverability>(ids, 'recoverable');
    assert.deepEqual(
      windowsOf(recoverable),
      windowsOf(policyPlan!.decision.after),
      'the window expiry announced is the one planning reads',
    );
    assert.deepEqual(recoverable.gaps, [], 'expired binlogs are not gaps');
    const afterSecond = await pitrJson<RestorePlan>(ids, 'plan', '--to', isoMicros(microsOf(second.finishedAt) + 1000));
    assert.equal(afterSecond.backup.backupId, second.backupId);

    // A reader that ended without releasing its hold (a terminated restore) holds nothing once expiry runs.
    const gone = `restore-terminated-${flavor}-${process.pid}`;
    await withCentralCatalog((catalog) => holdArtifacts(catalog, { ...ids, holder: gone, backupIds: [second.backupId], segments: [] }));
    const again = await pitrJson<ExpireResult>(ids, 'expire');
    assert.deepEqual([again.expiredBackups, again.expiredSegments, again.objectsDeleted], [[], 0, 0], 'a second run finds nothing more');
    assert.deepEqual(again.releasedHolds, [gone]);
    assert.deepEqual((await pitrJson<ExpiryPlan>(ids, 'expire', '--dry-run')).holds, []);

    const scheduled = await pitr(ids, 'schedule', 'create', '--kind', 'expire', '--cron', '0 3 * * *');
    assert.equal(scheduled.code, 0, scheduled.stderr);
    try {
      assert.equal(
        (await pitrJson<{ workflowType: string }>(ids, 'schedule', 'describe', '--kind', 'expire')).workflowType,
        'expireWorkflow',
      );
    } finally {
      await pitr(ids, 'schedule', 'delete', '--kind', 'expire');
    }

    const latest = await pitrJson<PitrRestoreResult>(
      ids,
      'restore',
      '--to',
      'latest',
      '--key',
      `retention-latest-${flavor}-${process.pid}`,
      '--wait',
    );
    assert.equal(latest.backupId, second.backupId);
    assert.equal(latest.appliedThrough, sourceGtids, 'latest restores every archived commit from what retention kept');
  });
}
