import { recoverability, type BackupPoint, type Recoverability } from '../../domain/archive/recoverable';
import type { Flavor } from '../../domain/backup';
import { listBackups } from '../catalog/backups';
import { Catalog } from '../catalog/catalog';
import { getCluster } from '../catalog/clusters';
import { listArchive, newestArchivedCommitMicros, streamEntries } from '../catalog/segments';

/** What `pitr recoverable` reports: windows, gaps and RPO of one cluster, from the catalog. */
export async function loadRecoverability(
  catalog: Catalog,
  tenantId: string,
  clusterId: string,
  now = new Date(),
): Promise<Recoverability & { tenantId: string; clusterId: string; flavor: Flavor }> {
  const { flavor } = await getCluster(catalog, tenantId, clusterId);
  const entries = streamEntries(await listArchive(catalog, tenantId, clusterId));
  const backups: BackupPoint[] = (await listBackups(catalog, tenantId, clusterId)).flatMap((b) =>
    b.status === 'completed' && b.coordinate ? [{ backupId: b.backupId, gtidExecuted: b.coordinate.gtidExecuted, finishedAt: b.finishedAt }] : [],
  );
  return { tenantId, clusterId, flavor, ...recoverability(flavor, entries, backups, now.getTime() * 1000) };
}

/**
 * The recovery point objective a failure now would meet: seconds since the newest archived
 * commit, or null before anything is archived. One indexed query, for the metrics exporter.
 */
export async function archiveRpoSeconds(catalog: Catalog, tenantId: string, clusterId: string, now = new Date()): Promise<number | null> {
  const newest = await newestArchivedCommitMicros(catalog, tenantId, clusterId);
  return newest === null ? null : Math.max(0, (now.getTime() * 1000 - newest) / 1_000_000);
}
