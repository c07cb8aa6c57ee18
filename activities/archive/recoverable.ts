import { recoverability, type BackupPoint, type Recoverability } from '../../domain/archive/recoverable';
import type { Flavor } from '../../domain/backup';
import { listBackups } from '../catalog/backups';
import { Catalog } from '../catalog/catalog';
import { getCluster } from '../catalog/clusters';
import { archiveEntries, newestArchivedCommitMicros, streamEntries } from '../catalog/segments';
import { openHalts, type ArchiveHalt } from './halts';

export type ClusterRecoverability = Recoverability & {
  tenantId: string;
  clusterId: string;
  flavor: Flavor;
  /** Why archive passes fail until someone acts: the windows and RPO stop moving meanwhile. */
  halted: ArchiveHalt[];
};

/** What `pitr recoverable` reports: windows, gaps, RPO and what halts the archive of one cluster, from the catalog. */
export async function loadRecoverability(catalog: Catalog, tenantId: string, clusterId: string, now = new Date()): Promise<ClusterRecoverability> {
  const { flavor } = await getCluster(catalog, tenantId, clusterId);
  const { archive, halted } = await catalog.withTenant(tenantId, async (db) => ({ archive: await archiveEntries(db, clusterId), halted: await openHalts(db, clusterId) }));
  const entries = streamEntries(archive);
  const backups: BackupPoint[] = (await listBackups(catalog, tenantId, clusterId)).flatMap((b) =>
    b.status === 'completed' && b.coordinate ? [{ backupId: b.backupId, gtidExecuted: b.coordinate.gtidExecuted, finishedAt: b.finishedAt }] : [],
  );
  return { tenantId, clusterId, flavor, ...recoverability(flavor, entries, backups, now.getTime() * 1000), halted };
}

/**
 * The recovery point objective a failure now would meet: seconds since the newest archived
 * commit, or null before anything is archived. One indexed query, for the metrics exporter.
 */
export async function archiveRpoSeconds(catalog: Catalog, tenantId: string, clusterId: string, now = new Date()): Promise<number | null> {
  const newest = await newestArchivedCommitMicros(catalog, tenantId, clusterId);
  return newest === null ? null : Math.max(0, (now.getTime() * 1000 - newest) / 1_000_000);
}
