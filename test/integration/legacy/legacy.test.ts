import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { openLegacyPrefixes, underOpenMigration, type LegacyArchive } from '../../../adapters/catalog/legacy';
import { artifactServicesFromConfig } from '../../../adapters/config/artifact-services';
import type { LegacyImportReport } from '../../../client/legacy/import';
import { isoMicros } from '../../../domain/archive/recoverable';
import { sameHistory } from '../../../domain/archive/history';
import type { InstantComparison } from '../../../domain/legacy/compare';
import type { RestorePlan } from '../../../domain/restore/plan';
import { testStack } from '../../harness/env';
import { freshDbInstance } from '../../harness/instances';
import { startBackup, startTestCentralWorkers, startTestCluster, temporalClient } from '../../harness/workers';
import { archivePass, ENGINE, executedGtids, setRpo, sql, withCentralCatalog } from '../archive/archive-harness';
import { dumpOf, pitr, putClosedBinlogs } from './legacy-archive';

const RESTORE_ROOT = join(testStack().stateDir, 'restores');
process.env.PITR_RESTORE_DIR = RESTORE_ROOT;
const central = startTestCentralWorkers();

/**
 * Commits `rows` single-row transactions, each in a second of its own, and returns the end of
 * each one's second: an instant after that commit and before the next on either flavor
 * (MariaDB's binlog keeps whole seconds).
 */
async function commitsWithInstants(conn: Awaited<ReturnType<typeof sql>>, rows: number): Promise<string[]> {
  const instants: string[] = [];
  for (let i = 0; i < rows; i++) {
    await conn.query('INSERT INTO shop.orders (note) VALUES (?)', [`row ${i}`]);
    const second = Math.floor(Date.now() / 1000);
    instants.push(isoMicros(second * 1_000_000 + 999_999));
    await sleep((second + 1) * 1000 - Date.now() + 50);
  }
  return instants;
}

for (const flavor of ['mysql', 'mariadb'] as const) {
  test(`${flavor}: an older system's ${ENGINE[flavor]} file and raw binlogs, imported, agree with the product's own archive; a removed legacy binlog shows as the disagreement`, async () => {
    const config = await central;
    // Each flavor's older system has a folder of its own in the one test bucket.
    const PREFIX = `legacy-${flavor}/`;
    const db = await freshDbInstance(flavor);
    const ids = { tenantId: 't-legacy', clusterId: `c-legacy-${flavor}-${process.pid}`, engine: ENGINE[flavor] };
    const source = { tenant: ['--tenant', ids.tenantId, '--cluster', ids.clusterId], prefix: ['--prefix', PREFIX] };
    await startTestCluster(db, ids);
    await setRpo(ids, flavor, 1);
    const conn = await sql(db);
    const services = artifactServicesFromConfig(config);
    try {
      await conn.query('CREATE DATABASE shop; CREATE TABLE shop.orders (id BIGINT AUTO_INCREMENT PRIMARY KEY, note VARCHAR(64))');
      await commitsWithInstants(conn, 5);
      // Both systems take a base backup: the product's own, then the older system's dump, put as it is.
      await (await startBackup({ tenantId: ids.tenantId, clusterId: ids.clusterId })).handle.result();
      const dump = await dumpOf(db);
      await services.store.put(`${PREFIX}dumps/full.sql`, dump);
      const dumpCoordinate = await executedGtids(conn, flavor);
      await sleep(1100);
      // Three binlogs of commits; the second one is lost from the legacy archive later on.
      const first = await commitsWithInstants(conn, 4);
      await conn.query('FLUSH BINARY LOGS');
      const second = await commitsWithInstants(conn, 4);
      await conn.query('FLUSH BINARY LOGS');
      const third = await commitsWithInstants(conn, 4);
      await conn.query('FLUSH BINARY LOGS');
      const names = await (async () => {
        const [rows] = await conn.query('SHOW BINARY LOGS');
        return (rows as Array<{ Log_name: string }>).map((r) => r.Log_name);
      })();
      const [holdingFirst, holdingSecond, holdingThird] = names.slice(-4, -1) as [string, string, string];
      const keys = await putClosedBinlogs(conn, db, services.store, PREFIX, (name) =>
        name === holdingFirst ? 'gzip' : name === holdingThird ? 'zstd' : 'plain',
      );
      await services.store.put(`${PREFIX}notes/README.txt`, Buffer.from('binlogs and dumps of the old backup cron, do not touch\n'));
      // A dump the older system's cron cut short: it has its coordinate, but not the tool's closing line.
      await services.store.put(`${PREFIX}dumps/partial.sql.gz`, gzipSync(dump.subarray(0, dump.length - 200)));
      await sleep(1200);
      await archivePass(await temporalClient(), ids);

      const imported = await pitr<LegacyImportReport>('legacy', 'import', ...source.tenant, ...source.prefix);
      assert.equal(imported.code, 0, imported.stderr);
      const report = imported.json!;
      assert.deepEqual(report.indexed.backups, [`${PREFIX}dumps/full.sql`]);
      assert.deepEqual([...report.indexed.segments].sort(), [...keys.values()].sort(), 'every binlog is indexed, plain, gzip or zstd');
      assert.deepEqual(report.gaps, []);
      const rejected = Object.fromEntries(report.rejected.map((r) => [r.objectKey, r.reason]));
      assert.deepEqual(
        Object.keys(rejected).sort(),
        [`${PREFIX}dumps/partial.sql.gz`, `${PREFIX}notes/README.txt`],
        'objects import cannot use are listed, not skipped',
      );
      assert.match(rejected[`${PREFIX}notes/README.txt`]!, /neither a binlog .* nor a mysqldump or mariadb-dump file/);
      assert.match(
        rejected[`${PREFIX}dumps/partial.sql.gz`]!,
        new RegExp(`no "-- Dump completed" trailer: the ${ENGINE[flavor]} file is truncated`),
      );

      const listed = (await pitr<LegacyArchive>('legacy', 'list', ...source.tenant, ...source.prefix)).json!;
      assert.equal(listed.backups[0]!.gtidExecuted, dumpCoordinate, "the dump's coordinate is its GTID_PURGED (MariaDB: gtid_slave_pos)");
      assert.match(listed.backups[0]!.completedText, /^Dump completed on /);
      assert.deepEqual(
        Object.fromEntries(
          listed.segments.filter((s) => [holdingFirst, holdingThird].some((n) => s.file.includes(n))).map((s) => [s.file, s.compression]),
        ),
        { [`binlogs/${holdingFirst}.gz`]: 'gzip', [`binlogs/${holdingThird}.zst`]: 'zstd' },
      );

      const again = (await pitr<LegacyImportReport>('legacy', 'import', ...source.tenant, ...source.prefix)).json!;
      assert.deepEqual(
        [again.indexed, again.unchanged, again.changed, again.gone],
        [{ backups: [], segments: [] }, keys.size + 1, [], []],
        'a second import reads nothing again',
      );
      assert.equal(again.rejected.length, 2);

      const instants = [first[1]!, second[1]!, third[1]!, third[2]!];
      const agreed = await pitr<InstantComparison[]>('legacy', 'compare', ...source.tenant, ...source.prefix, '--at', instants.join(','));
      assert.equal(agreed.code, 0, `${agreed.stderr}\n${JSON.stringify(agreed.json, null, 1)}`);
      assert.deepEqual(
        agreed.json!.map((c) => c.verdict.kind),
        ['agree', 'agree', 'agree', 'agree'],
      );
      for (const c of agreed.json!) {
        assert.ok(
          c.legacy.kind === 'planned' && c.legacy.backupId === `${PREFIX}dumps/full.sql`,
          'the legacy side replays from the legacy dump',
        );
      }

      const restored = await pitr<InstantComparison[]>(
        'legacy',
        'compare',
        ...source.tenant,
        ...source.prefix,
        '--at',
        second[2]!,
        '--restore',
      );
      assert.equal(restored.code, 0, `${restored.stderr}\n${JSON.stringify(restored.json, null, 1)}`);
      const dryRuns = restored.json![0]!.restored!;
      assert.equal(dryRuns.agree, true);
      const planned = restored.json![0]!.product;
      assert.ok(
        planned.kind === 'planned' && dryRuns.gtids.same && sameHistory(flavor, dryRuns.gtids.product, planned.expectedGtids),
        'both servers reached the planned GTID state',
      );
      assert.deepEqual(
        [dryRuns.onlyProduct, dryRuns.onlyLegacy, dryRuns.differing],
        [[], [], []],
        'every table has the same CHECKSUM TABLE on both restored servers',
      );
      assert.ok(dryRuns.tables >= 1);
      const left = existsSync(RESTORE_ROOT)
        ? readdirSync(RESTORE_ROOT).filter((d) => d.startsWith(`legacy-compare-${ids.clusterId}-`))
        : [];
      assert.deepEqual(left, [], 'both dry-run instances are taken down');

      const legacyPlan = await pitr<RestorePlan>('plan', ...source.tenant, '--to', second[1]!, ...source.prefix);
      const productPlan = await pitr<RestorePlan>('plan', ...source.tenant, '--to', second[1]!);
      assert.equal(legacyPlan.code, 0, legacyPlan.stderr);
      assert.equal(legacyPlan.json!.expectedGtids, productPlan.json!.expectedGtids);
      assert.ok(
        legacyPlan.json!.segments.every((s) => s.objectKey.startsWith(PREFIX)),
        'the legacy plan reads only legacy objects',
      );

      // The older system lost its copy of the second binlog.
      await services.store.delete(keys.get(holdingSecond)!);
      const reimported = (await pitr<LegacyImportReport>('legacy', 'import', ...source.tenant, ...source.prefix)).json!;
      assert.deepEqual(reimported.gone, [keys.get(holdingSecond)]);
      assert.equal(reimported.gaps.length, 1);
      assert.equal(reimported.gaps[0]!.beforeFile, `binlogs/${holdingThird}.zst`);
      const split = await pitr<InstantComparison[]>('legacy', 'compare', ...source.tenant, ...source.prefix, '--at', instants.join(','));
      assert.equal(split.code, 1, 'compare fails when the archives do not agree');
      const [before, inside, after, last] = split.json!;
      assert.equal(before!.verdict.kind, 'agree', 'instants before the lost binlog still agree');
      for (const c of [inside!, after!, last!]) {
        assert.deepEqual(c.verdict, { kind: 'refused', sides: ['legacy'] }, `${c.at} is refused by the legacy archive only`);
        assert.ok(
          c.legacy.kind === 'refused' && c.legacy.reason.includes(reimported.gaps[0]!.missing),
          `the refusal names the missing GTIDs: ${JSON.stringify(c.legacy)}`,
        );
      }

      // The older system rewrote an object it had archived: reported, and left out of the stream.
      const rewritten = keys.get(holdingFirst)!;
      await services.store.put(rewritten, readFileSync(join(db.binlogDir, holdingFirst)));
      const afterRewrite = (await pitr<LegacyImportReport>('legacy', 'import', ...source.tenant, ...source.prefix)).json!;
      assert.deepEqual(
        afterRewrite.changed.map((c) => c.objectKey),
        [rewritten],
      );
      assert.match(afterRewrite.rejected.find((r) => r.objectKey === rewritten)?.reason ?? '', /changed since it was indexed/);

      const catalogView = await withCentralCatalog(async (catalog) => ({
        open: await openLegacyPrefixes(catalog, ids.tenantId, ids.clusterId),
        protectedKey: await underOpenMigration(catalog, ids.tenantId, ids.clusterId, keys.get(holdingFirst)!),
      }));
      assert.deepEqual(catalogView, { open: [PREFIX], protectedKey: true }, 'retention and repair see the migration open');
      const completed = await pitr<{ completedBy: string }>(
        'legacy',
        'complete',
        ...source.tenant,
        ...source.prefix,
        '--by',
        'sre-on-call',
      );
      assert.equal(completed.json!.completedBy, 'sre-on-call');
      assert.deepEqual(await withCentralCatalog((catalog) => openLegacyPrefixes(catalog, ids.tenantId, ids.clusterId)), []);
      const closed = await pitr('legacy', 'import', ...source.tenant, ...source.prefix);
      assert.equal(closed.code, 2);
      assert.match(closed.stderr, /was completed at .* by sre-on-call/);
    } finally {
      services.close();
      await conn.end();
    }
  });
}
