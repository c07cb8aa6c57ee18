import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { createConnection } from 'mysql2/promise';
import { unpackArtifact } from '../../../adapters/artifact/download';
import { listBackups } from '../../../adapters/catalog/backups';
import { Catalog } from '../../../adapters/catalog/catalog';
import { artifactServicesFromConfig } from '../../../adapters/config/artifact-services';
import { resolveSecret } from '../../../adapters/config/config';
import { restoreBackup, unpackPayload } from '../../../adapters/engines';
import { type DbInstance, stopDbInstance } from '../../../adapters/servers/db-instance';
import { verifySignedManifest } from '../../../domain/manifest/signature';
import { trustedKeys } from '../../../activities/backup/manifest';
import type { EngineName } from '../../../domain/backup';
import { backupProgressQuery } from '../../../workflows';
import { recordHistory } from '../../harness/histories';
import { freshDbInstance } from '../../harness/instances';
import { startBackup, startTestCentralWorkers, startTestCluster } from '../../harness/workers';
import { ContinuousWriter, countOf } from './writer';

const cases: Array<{ flavor: DbInstance['flavor']; engine: EngineName }> = [
  { flavor: 'mysql', engine: 'mysqldump' },
  { flavor: 'mysql', engine: 'clone' },
  { flavor: 'mariadb', engine: 'mariadb-backup' },
  { flavor: 'mariadb', engine: 'mariadb-dump' },
];

const centralReady = startTestCentralWorkers();

for (const { flavor, engine } of cases) {
  test(`a ${engine} backup of ${flavor} under writes becomes a signed, catalogued coordinate that restores exactly`, async () => {
    const central = await centralReady;
    const source = await freshDbInstance(flavor);
    const ids = { tenantId: `t-${engine}`, clusterId: `c-${engine}-${process.pid}`, engine };
    await startTestCluster(source, ids);
    const writer = await ContinuousWriter.open(source);
    const setupTransactions = await writer.executedCount(flavor);
    writer.start();

    const { client, handle, workflowId } = await startBackup({ tenantId: ids.tenantId, clusterId: ids.clusterId });
    const result = await handle.result();
    const written = await writer.stop();

    assert.equal(result.engine, engine);
    assert.equal((await handle.query(backupProgressQuery)).phase, 'done');
    const inBackup = countOf(flavor, result.coordinate.gtidExecuted) - setupTransactions;
    assert.ok(
      inBackup > 0 && inBackup < written,
      `the coordinate holds ${inBackup} of ${written} writes: writes went on during the backup`,
    );

    // Exactly one catalog row, and the verification hand-off re-read the whole artifact.
    const catalog = Catalog.open(resolveSecret(central.catalogUrl));
    const rows = await listBackups(catalog, ids.tenantId, ids.clusterId).finally(() => catalog.close());
    assert.deepEqual(
      rows.map((r) => [r.backupId, r.status, r.coordinate?.gtidExecuted]),
      [[workflowId, 'completed', result.coordinate.gtidExecuted]],
    );
    const verification = client.workflow.getHandle(`${workflowId}-verify`);
    const verified = await verification.result();
    await recordHistory(handle, `baseBackupWorkflow.${engine}`);
    await recordHistory(verification, `backupVerificationWorkflow.${engine}`);
    assert.equal(verified.storedSha256, result.artifact?.storedSha256);

    // The signed manifest names the same coordinate, and restoring the artifact lands exactly on it.
    const services = artifactServicesFromConfig(central);
    const scratch = mkdtempSync(join(tmpdir(), 'pitr-restore-'));
    try {
      const { bytes } = await services.store.getRange(result.manifestKey!, 0, 1 << 20);
      const manifest = verifySignedManifest(JSON.parse(bytes.toString()), trustedKeys(central));
      assert.equal(manifest.coordinate.gtidExecuted, result.coordinate.gtidExecuted);
      const tar = new PassThrough();
      const unpacked = unpackPayload(tar, join(scratch, 'payload'));
      await unpackArtifact({ store: services.store, key: result.artifact!.key, keys: services.keys, destination: { stream: tar } });
      await unpacked;
      const restored = await restoreBackup(engine, {
        payloadDir: join(scratch, 'payload'),
        coordinate: result.coordinate,
        target: { dir: join(scratch, 'server') },
      });
      const conn = await createConnection({ host: restored.host, port: restored.port, user: restored.user, password: restored.password });
      const [count] = await conn.query('SELECT COUNT(*) AS n FROM shop.orders');
      await conn.end();
      assert.equal(Number((count as Array<{ n: number }>)[0]!.n), inBackup);
    } finally {
      services.close();
      await stopDbInstance(join(scratch, 'server'));
      rmSync(scratch, { recursive: true, force: true });
    }
  });
}
