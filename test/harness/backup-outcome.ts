import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { listBackups } from '../../adapters/catalog/backups';
import { Catalog } from '../../adapters/catalog/catalog';
import { artifactServicesFromConfig } from '../../adapters/config/artifact-services';
import { type CentralConfig, resolveSecret } from '../../adapters/config/config';
import type { BaseBackupResult } from '../../domain/backup';

/**
 * What a user relies on after any crash or outage during a backup: one completed catalog row,
 * exactly one artifact and its manifest under the backup's prefix, no multipart upload left
 * open, and nothing left in the agent's staging folder.
 */
export async function assertOneCompletedBackup(
  central: CentralConfig,
  backup: { tenantId: string; clusterId: string; workflowId: string; stagingDir: string },
  result: BaseBackupResult,
): Promise<void> {
  assert.ok(result.artifact && result.manifestKey, 'the backup stored an artifact and a manifest');
  const services = artifactServicesFromConfig(central);
  try {
    const backupPrefix = result.artifact.key.slice(0, result.artifact.key.lastIndexOf('/') + 1);
    const objects: string[] = [];
    for await (const o of services.store.list(backupPrefix)) objects.push(o.key);
    assert.deepEqual(objects.sort(), [result.artifact.key, result.manifestKey].sort());
    assert.deepEqual(await services.store.listMultipartUploads(result.artifact.key), []);
  } finally {
    services.close();
  }
  const catalog = Catalog.open(resolveSecret(central.catalogUrl));
  const rows = await listBackups(catalog, backup.tenantId, backup.clusterId).finally(() => catalog.close());
  assert.deepEqual(
    rows.map((r) => [r.backupId, r.status]),
    [[backup.workflowId, 'completed']],
  );
  assert.deepEqual(readdirSync(backup.stagingDir), [], 'staging is removed');
}
