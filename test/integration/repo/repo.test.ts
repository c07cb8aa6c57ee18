import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import {
  CreateMultipartUploadCommand,
  ListObjectVersionsCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketVersioningCommand,
} from '@aws-sdk/client-s3';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { listBackups } from '../../../adapters/catalog/backups';
import { findErasure } from '../../../adapters/catalog/erasures';
import { listArchive, type SegmentRecord } from '../../../adapters/catalog/segments';
import { artifactServicesFromConfig } from '../../../adapters/config/artifact-services';
import { resolveSecret, type CentralConfig } from '../../../adapters/config/config';
import { ensureBucket } from '../../../devstack/minio-server';
import { listRestores } from '../../../adapters/catalog/restores';
import type { RepoReport } from '../../../client/repo/check';
import type { RepairOutcome } from '../../../client/repo/repair';
import { requestRestore } from '../../../client/restore/request';
import { startCentralWorkers } from '../../../workers/central-worker';
import { archivePass, failedPassType, sql, withCentralCatalog, type ClusterIds } from '../archive/archive-harness';
import { testStack } from '../../harness/env';
import { freshDbInstance } from '../../harness/instances';
import { centralConfig, startBackup, startTestCluster, temporalClient } from '../../harness/workers';
import { workflowBundle } from '../../harness/workflow-bundle';

const stack = testStack();
process.env.PITR_RESTORE_DIR = join(stack.stateDir, 'restores');
const run = promisify(execFile);
const cli = resolve(__dirname, '../../../client/cli.js');

// A bucket of its own with the empty prefix: every key in it is under the product's prefix,
// so the legacy object below tests that repair leaves another system's layout alone.
const bucket = `pitr-repo-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
const config: CentralConfig = { ...centralConfig(), storage: { ...centralConfig().storage, bucket, prefix: '' } };
const dir = join(stack.stateDir, `repo-${process.pid}`);
mkdirSync(dir, { recursive: true });
const configFile = join(dir, 'central.json');
writeFileSync(configFile, JSON.stringify(config));
const services = artifactServicesFromConfig(config);
after(() => services.close());

const centralReady = (async () => {
  await ensureBucket({ ...stack.s3, bucket });
  // Versioned, as careful operators keep backup buckets: an erasure must not leave the key in an older version.
  await services.store.client.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
  const running = await startCentralWorkers(config, ['central', 'verify', 'restore'], await workflowBundle());
  const done = running.run();
  after(async () => {
    running.shutdown();
    await done;
    await running.close();
  });
})();

const dbReady = freshDbInstance('mysql');

async function pitr(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], { env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function repoCheck(
  ...args: string[]
): Promise<{ code: number; report: RepoReport & { repair?: RepairOutcome; remainingProblems: number } }> {
  const out = await pitr(['repo', 'check', '--json', '--config', configFile, ...args]);
  assert.equal(out.stderr, '', out.stderr);
  return { code: out.code, report: JSON.parse(out.stdout) };
}

/** A cluster on the shared instance with one completed backup and one archive pass of closed binlogs. */
async function backedUpCluster(ids: ClusterIds): Promise<{ artifactKey: string; segments: SegmentRecord[] }> {
  await centralReady;
  const db = await dbReady;
  await startTestCluster(db, ids, { storage: config.storage });
  const { client, workflowId } = await startBackup({ tenantId: ids.tenantId, clusterId: ids.clusterId });
  await client.workflow.getHandle(workflowId).result();
  // The verification it hands off reads the artifact: let it finish before anything changes underneath.
  await client.workflow.getHandle(`${workflowId}-verify`).result();
  const conn = await sql(db);
  try {
    await conn.query(
      'CREATE DATABASE IF NOT EXISTS repo_check; CREATE TABLE IF NOT EXISTS repo_check.t (id int primary key); REPLACE INTO repo_check.t VALUES (1); FLUSH BINARY LOGS',
    );
  } finally {
    await conn.end();
  }
  await archivePass(await temporalClient(), ids);
  const backups = await withCentralCatalog((catalog) => listBackups(catalog, ids.tenantId, ids.clusterId));
  const entries = await withCentralCatalog((catalog) => listArchive(catalog, ids.tenantId, ids.clusterId));
  const segments = entries.flatMap((e) => (e.kind === 'segment' && e.status === 'archived' ? [e] : []));
  assert.equal(backups[0]?.status, 'completed');
  assert.ok(segments.length > 0, 'the archive pass shipped at least one binlog');
  return { artifactKey: backups[0]!.artifactKey!, segments };
}

async function keysInBucket(): Promise<Set<string>> {
  const keys = new Set<string>();
  for await (const o of services.store.list('')) keys.add(o.key);
  return keys;
}

/**
 * The failure a workflow ends with; fails (terminating it, and naming what its activities
 * last failed with) if it is still running after `timeoutMs` or if it succeeds.
 */
async function failureOf(handle: WorkflowHandle, what: string, timeoutMs = 180_000): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'deadline'>((done) => (timer = setTimeout(() => done('deadline'), timeoutMs)));
  try {
    const outcome = await Promise.race([
      handle.result().then(
        () => 'succeeded' as const,
        (err: unknown) => ({ err }),
      ),
      deadline,
    ]);
    if (outcome === 'succeeded') assert.fail(`${what} succeeded where it had to fail`);
    if (outcome === 'deadline') {
      const pending = (await handle.describe()).raw.pendingActivities ?? [];
      await handle.terminate('test deadline');
      assert.fail(
        `${what} still ran after ${timeoutMs / 1000}s; pending: ${pending.map((a) => `${a.activityType?.name}: ${a.lastFailure?.message}`).join('; ')}`,
      );
    }
    return outcome.err;
  } finally {
    clearTimeout(timer);
  }
}

/** Every message along a failure's cause chain, as an operator reads it in the UI. */
function failureText(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err; e instanceof Error; e = e.cause) parts.push(e.message);
  return parts.join(' <- ');
}

const A: ClusterIds = { tenantId: 'repo-a', clusterId: `repo-a-${process.pid}`, engine: 'mysqldump' };
const B: ClusterIds = { tenantId: 'repo-b', clusterId: `repo-b-${process.pid}`, engine: 'mysqldump' };

test('repo check finds an orphan, a stale upload, a row whose object is gone and a lifecycle rule; --repair removes only the orphan and the upload', async () => {
  const { segments } = await backedUpCluster(A);
  const area = `tenants/${A.tenantId}/clusters/${A.clusterId}`;
  const orphan = `${area}/backups/crashed-upload/base.pitr`;
  const uploadKey = `${area}/backups/crashed-multipart/base.pitr`;
  const legacy = `legacy/${A.tenantId}/orders/dump-2026-01-01.sql.gz`;
  const goneIndex = segments[0]!.indexKey!;
  await services.store.put(orphan, Buffer.from('half an artifact'));
  await services.store.put(legacy, Buffer.from("another system's dump"));
  const upload = await services.store.client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: uploadKey }));
  await services.store.delete(goneIndex);
  await services.store.client.send(
    new PutBucketLifecycleConfigurationCommand({
      Bucket: bucket,
      LifecycleConfiguration: {
        Rules: [{ ID: 'expire-old-backups', Status: 'Enabled', Filter: { Prefix: 'tenants/' }, Expiration: { Days: 30 } }],
      },
    }),
  );

  // Within the default grace period, what was just written may be a running backup's: not an orphan.
  const young = await repoCheck('--tenant', A.tenantId);
  assert.equal(young.code, 1, JSON.stringify(young.report, null, 2));
  assert.deepEqual(young.report.orphans, []);
  assert.ok(young.report.inGrace.some((o) => o.key === orphan));
  assert.deepEqual(young.report.staleUploads, []);
  assert.equal(young.report.uploadsInFlight, 1);

  const scoped = await repoCheck('--tenant', A.tenantId, '--cluster', A.clusterId, '--min-age', '0s');
  assert.equal(scoped.code, 1);
  assert.deepEqual(
    scoped.report.orphans.map((o) => o.key),
    [orphan],
  );
  assert.deepEqual(
    scoped.report.staleUploads.map((u) => [u.key, u.uploadId]),
    [[uploadKey, upload.UploadId]],
  );
  assert.deepEqual(
    scoped.report.missing.map((m) => m.key),
    [goneIndex],
  );
  assert.match(scoped.report.missing[0]!.owner, new RegExp(`binlog ${A.tenantId}/${A.clusterId}/.*${segments[0]!.file}.*index`));
  assert.deepEqual(
    scoped.report.lifecycle.map((w) => [w.ruleId, w.rulePrefix, w.actions]),
    [['expire-old-backups', 'tenants/', ['deletes objects 30 days after they are written']]],
  );

  const everyone = await repoCheck('--min-age', '0s');
  assert.equal(everyone.code, 1);
  assert.ok(everyone.report.tenants.includes(A.tenantId));
  assert.deepEqual(
    everyone.report.orphans.map((o) => o.key),
    [orphan],
  );
  // The catalog is the test stack's, shared with other test files whose rows name objects in another bucket.
  assert.deepEqual(
    everyone.report.missing.map((m) => m.key).filter((k) => k.startsWith('tenants/repo-')),
    [goneIndex],
  );
  assert.ok(
    everyone.report.foreign.some((o) => o.key === legacy),
    'the legacy object is seen as not ours',
  );

  const before = await keysInBucket();
  const repaired = await repoCheck('--min-age', '0s', '--repair');
  assert.deepEqual(repaired.report.repair, { removed: [orphan], aborted: [{ key: uploadKey, uploadId: upload.UploadId }], skipped: [] });
  assert.equal(repaired.code, 1, 'the missing index and the lifecycle rule still need an operator');
  assert.equal(repaired.report.remainingProblems, repaired.report.missing.length + 1);
  const afterRepair = await keysInBucket();
  assert.deepEqual(
    [...before].filter((k) => !afterRepair.has(k)),
    [orphan],
  );
  assert.ok(afterRepair.has(legacy));
  assert.deepEqual(await services.store.listMultipartUploadsUnder(''), []);

  const again = await repoCheck('--min-age', '0s');
  assert.deepEqual([again.report.orphans, again.report.staleUploads], [[], []]);
  assert.deepEqual(
    again.report.lifecycle.map((w) => w.ruleId),
    ['expire-old-backups'],
  );

  // The text form names each problem and exits non-zero for cron.
  const text = await pitr(['repo', 'check', '--tenant', A.tenantId, '--config', configFile]);
  assert.equal(text.code, 1);
  assert.match(text.stdout, new RegExp(`MISSING\t${goneIndex}`));
  assert.match(
    text.stdout,
    /LIFECYCLE\trule expire-old-backups on prefix "tenants\/" deletes objects 30 days after they are written: it expires by age and knows nothing of the recoverable window/,
  );
});

test('tenant erase destroys the data key, records who and when, and restores, reads and new backups then fail saying so', async () => {
  const { artifactKey } = await backedUpCluster(B);
  const erase = (...args: string[]) =>
    pitr(['tenant', 'erase', '--tenant', B.tenantId, '--reason', 'contract ended (TICKET-42)', '--config', configFile, ...args]);

  const typo = await pitr(['tenant', 'erase', '--tenant', 'repo-bb', '--confirm', 'repo-bb', '--reason', 'x', '--config', configFile]);
  assert.equal(typo.code, 2);
  assert.match(typo.stderr, /tenant repo-bb has no cluster in the catalog: nothing of it to erase/);
  assert.equal(await withCentralCatalog((catalog) => findErasure(catalog, 'repo-bb')), undefined);

  const unconfirmed = await erase('--by', 'alice');
  assert.equal(unconfirmed.code, 2);
  assert.match(unconfirmed.stderr, new RegExp(`erasing tenant ${B.tenantId} needs --confirm ${B.tenantId}`));
  assert.equal(await withCentralCatalog((catalog) => findErasure(catalog, B.tenantId)), undefined);

  const erased = await erase('--confirm', B.tenantId, '--by', 'alice', '--json');
  assert.equal(erased.code, 0, erased.stderr);
  const outcome = JSON.parse(erased.stdout);
  assert.deepEqual([outcome.alreadyRecorded, outcome.keyAlreadyErased, outcome.erasure.erasedBy], [false, false, 'alice']);
  assert.match(outcome.erasure.dataKeyId, /^dk-/);
  assert.equal(outcome.olderKeyVersionsDeleted, 1, 'the version holding the wrapped key is deleted');
  const record = `keys/${B.tenantId}.json`;
  const versions = await services.store.client.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: record }));
  assert.deepEqual(
    [...(versions.Versions ?? []), ...(versions.DeleteMarkers ?? [])].map((v) => [v.Key, v.IsLatest]),
    [[record, true]],
  );
  const { body } = await services.store.getStream(record);
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk);
  const tombstone = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  assert.deepEqual([tombstone.state, tombstone.wrappedKey], ['erased', undefined]);

  const twice = await erase('--confirm', B.tenantId, '--by', 'bob');
  assert.equal(twice.code, 0, twice.stderr);
  assert.match(
    twice.stdout,
    new RegExp(
      `tenant ${B.tenantId} was already erased at ${outcome.erasure.erasedAt} by alice \\(contract ended \\(TICKET-42\\)\\); nothing changed`,
    ),
  );
  const recorded = await withCentralCatalog((catalog) => findErasure(catalog, B.tenantId));
  assert.deepEqual(
    { by: recorded?.erasedBy, at: recorded?.erasedAt, reason: recorded?.reason, key: recorded?.dataKeyId },
    { by: 'alice', at: outcome.erasure.erasedAt, reason: 'contract ended (TICKET-42)', key: outcome.erasure.dataKeyId },
  );

  const read = await pitr(['artifact', 'verify', `s3://${bucket}/${artifactKey}`, '--tenant', B.tenantId], {
    PITR_S3_ENDPOINT: config.storage.endpoint,
    PITR_S3_PREFIX: '',
    AWS_ACCESS_KEY_ID: config.storage.accessKeyId,
    AWS_SECRET_ACCESS_KEY: resolveSecret(config.storage.secretAccessKey),
    PITR_MASTER_KEY_FILE: config.masterKeyFile,
  });
  assert.equal(read.code, 1);
  assert.match(
    read.stderr,
    new RegExp(
      `pitr: tenant ${B.tenantId} was erased at ${outcome.erasure.erasedAt}: its data key is destroyed, so its backups and binlogs can no longer be decrypted`,
    ),
  );
  assert.match(read.stderr, /what to do: this is permanent by design/);

  const client = await temporalClient();
  const restore = await requestRestore(client, {
    tenantId: B.tenantId,
    clusterId: B.clusterId,
    target: { kind: 'latest' },
    idempotencyKey: `erased-${process.pid}`,
  });
  const restoreFailure = await failureOf(restore.handle, 'the restore of an erased tenant');
  assert.ok(restoreFailure instanceof WorkflowFailedError, 'the restore of an erased tenant fails');
  assert.match(failureText(restoreFailure), new RegExp(`tenant ${B.tenantId} was erased at .*its data key is destroyed`));
  const outcomes = await withCentralCatalog((catalog) => listRestores(catalog, B.tenantId, B.clusterId));
  assert.equal(outcomes.at(-1)?.status, 'failed');
  assert.match(outcomes.at(-1)?.failure ?? '', /was erased at/);

  const backup = await startBackup({ tenantId: B.tenantId, clusterId: B.clusterId });
  const backupFailure = await failureOf(backup.handle, 'a backup of an erased tenant');
  assert.ok(backupFailure instanceof WorkflowFailedError, 'a new backup of an erased tenant is refused');
  assert.match(failureText(backupFailure), new RegExp(`tenant ${B.tenantId} was erased at .* by alice: .*no new ones are taken`));
  assert.equal(await failedPassType(archivePass(client, B)), 'TenantKeyErasedError', 'archiving its binlogs is refused too');
});
