import { recoverability, type BackupPoint, type Recoverability } from '../../domain/archive/recoverable';
import type { Flavor } from '../../domain/backup';
import { type ArchiveHalt, openHalts } from '../../adapters/catalog/archive-halts';
import { archivePassState, type LastArchivePass } from '../../adapters/catalog/archive-passes';
import { listBackups } from '../../adapters/catalog/backups';
import type { Catalog } from '../../adapters/catalog/catalog';
import { getCluster } from '../../adapters/catalog/clusters';
import { archiveEntries, streamEntries } from '../../adapters/catalog/segments';

export type ClusterRecoverability = Recoverability & {
  tenantId: string;
  clusterId: string;
  flavor: Flavor;
  /** Why archive passes fail until someone acts: the windows stop moving and the RPO grows meanwhile. */
  halted: ArchiveHalt[];
  /** The last archive pass, ok or failed; null before one was recorded. */
  lastPass: LastArchivePass | null;
};

/** What `pitr recoverable` reports: windows, gaps, RPO, the last pass and what halts the archive of one cluster, from the catalog. */
export async function loadRecoverability(
  catalog: Catalog,
  tenantId: string,
  clusterId: string,
  now = new Date(),
): Promise<ClusterRecoverability> {
  const { flavor } = await getCluster(catalog, tenantId, clusterId);
  const { archive, halted, pass } = await catalog.withTenant(tenantId, async (db) => ({
    archive: await archiveEntries(db, clusterId),
    halted: await openHalts(db, clusterId),
    pass: await archivePassState(db, clusterId),
  }));
  const entries = streamEntries(archive);
  const backups: BackupPoint[] = (await listBackups(catalog, tenantId, clusterId)).flatMap((b) =>
    b.status === 'completed' && b.coordinate
      ? [{ backupId: b.backupId, gtidExecuted: b.coordinate.gtidExecuted, finishedAt: b.finishedAt }]
      : [],
  );
  return {
    tenantId,
    clusterId,
    flavor,
    ...recoverability(flavor, entries, backups, now.getTime() * 1000, pass?.observation),
    halted,
    lastPass: pass?.last ?? null,
  };
}
