import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { listRestores } from '../../../adapters/catalog/restores';
import { RestoreVerificationError } from '../../../activities/restore/errors';
import { verifyRestoredServer } from '../../../activities/restore/verify';
import { requestRestore } from '../../../client/restore/request';
import type { RestorePlan } from '../../../domain/restore/plan';
import { parseRestoreTarget } from '../../../domain/restore/target';
import { testStack } from '../../harness/env';
import { freshDbInstance } from '../../harness/instances';
import { startBackup, startTestCentralWorkers, startTestCluster, temporalClient } from '../../harness/workers';
import { archivePass, ENGINE, executedGtids, setRpo, sql, withCentralCatalog } from '../archive/archive-harness';

const RESTORE_ROOT = join(testStack().stateDir, 'restores');
process.env.PITR_RESTORE_DIR = RESTORE_ROOT;
const centralReady = startTestCentralWorkers();
const run = promisify(execFile);
const cli = resolve(__dirname, '../../../client/cli.js');

async function planOf(ids: { tenantId: string; clusterId: string }, to: string): Promise<RestorePlan> {
  const { stdout } = await run(process.execPath, [
    cli,
    'plan',
    '--tenant',
    ids.tenantId,
    '--cluster',
    ids.clusterId,
    '--to',
    to,
    '--json',
    '--config',
    testStack().configs.central,
  ]);
  return JSON.parse(stdout) as RestorePlan;
}

function failureOf(err: unknown): { type?: string; message: string } | undefined {
  return (err as { cause?: { cause?: { type?: string; message: string } } }).cause?.cause;
}

for (const flavor of ['mysql', 'mariadb'] as const) {
  test(`${flavor}: verification checks the schema at the target: tables dropped or renamed after the backup pass, a table that does not open fails the restore with the evidence recorded`, async () => {
    await centralReady;
    const db = await freshDbInstance(flavor);
    const ids = { tenantId: 't-restore', clusterId: `c-verify-${flavor}-${process.pid}`, engine: ENGINE[flavor] };
    await startTestCluster(db, ids);
    await setRpo(ids, flavor, 1);
    const conn = await sql(db);
    await conn.query(`CREATE DATABASE shop;
      CREATE TABLE shop.gone (id INT PRIMARY KEY); CREATE TABLE shop.old (id INT PRIMARY KEY); INSERT INTO shop.old VALUES (1), (2), (3);
      CREATE TABLE shop.part (id INT) ENGINE=MyISAM; CREATE TABLE shop.everything (id INT) ENGINE=MERGE UNION=(shop.part)`);
    await (await startBackup({ tenantId: ids.tenantId, clusterId: ids.clusterId })).handle.result();
    await conn.query(
      'DROP TABLE shop.gone; RENAME TABLE shop.old TO shop.renamed; CREATE TABLE shop.later (id INT PRIMARY KEY); INSERT INTO shop.later VALUES (1), (2)',
    );
    const beforeBreak = await executedGtids(conn, flavor);
    // The MERGE table's only underlying table is dropped: from here on it no longer opens, on the source as on any restore.
    await conn.query('DROP TABLE shop.part');
    const client = await temporalClient();
    await sleep(1200);
    await archivePass(client, ids);

    const schemaChanged = await requestRestore(client, {
      tenantId: ids.tenantId,
      clusterId: ids.clusterId,
      target: parseRestoreTarget(`gtid:${beforeBreak}`),
      idempotencyKey: 'schema-changed',
    });
    const result = await schemaChanged.handle.result();
    assert.equal(result.appliedThrough, beforeBreak);
    const verification = result.verification!;
    assert.deepEqual(
      verification.manifestTablesGone,
      ['shop.gone', 'shop.old'],
      'the dropped and the renamed table are accounted for, not failures',
    );
    assert.deepEqual(
      verification.tablesCreatedAfterBackup,
      ['shop.later', 'shop.renamed'],
      'tables created after the backup are checked too',
    );
    assert.deepEqual(verification.rowCounts, { 'shop.everything': 0, 'shop.later': 2, 'shop.part': 0, 'shop.renamed': 3 });
    assert.equal(verification.tablesChecked, 4);
    assert.ok(
      verification.checks.some((c) => /row counts are reported, not compared/.test(c)),
      'the result says the counts are not a comparison',
    );

    const broken = await requestRestore(client, {
      tenantId: ids.tenantId,
      clusterId: ids.clusterId,
      target: { kind: 'latest' },
      idempotencyKey: 'broken-table',
    });
    let failure: { type?: string; message: string } | undefined;
    await assert.rejects(broken.handle.result(), (err: unknown) => {
      failure = failureOf(err);
      return true;
    });
    assert.equal(failure?.type, 'RestoreVerificationError');
    assert.match(failure?.message ?? '', /table shop\.everything does not open at the target: Unable to open underlying table/);
    assert.equal(existsSync(join(RESTORE_ROOT, broken.restoreId)), false, 'the failed restore left nothing behind');
    const outcomes = await withCentralCatalog((catalog) => listRestores(catalog, ids.tenantId, ids.clusterId));
    assert.deepEqual(
      outcomes.map((o) => [o.restoreId, o.status]),
      [
        [schemaChanged.restoreId, 'succeeded'],
        [broken.restoreId, 'failed'],
      ],
    );
    assert.match(
      outcomes[1]!.failure ?? '',
      /failed verification: table shop\.everything does not open at the target/,
      'the evidence is in the catalog',
    );

    // The same check on a server whose GTID state is not the plan's: the source itself, which is past the planned GTID target.
    const planned = await planOf(ids, `gtid:${beforeBreak}`);
    await assert.rejects(verifyRestoredServer(planned, db, []), (err: unknown) => {
      assert.ok(err instanceof RestoreVerificationError);
      assert.match(
        err.failures[0]!,
        new RegExp(`^GTID state is \\S+, the plan expects ${planned.expectedGtids.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`),
      );
      assert.equal(err.failures.length, 2, 'every failure is reported at once: the GTID state and the table that does not open');
      return true;
    });
    await conn.end();
  });
}
