import { microsOf } from '../../domain/archive/recoverable';
import type { PlanBackup, PlanEntry, PlanSegment, RestorePlan } from '../../domain/restore/plan';
import type { ArtifactServices } from '../../adapters/artifact/services';
import type { Catalog } from '../../adapters/catalog/catalog';
import { getCluster } from '../../adapters/catalog/clusters';
import { loadLegacyArchive, type LegacyArchive, type LegacySourceRef } from '../../adapters/catalog/legacy';
import { planFromInput, type PlanRequest } from '../../activities/restore/plan';

const micros = (at: string | null): number | null => (at === null ? null : microsOf(at));

/** A legacy archive as the planner reads the product's own: the stream's segments and gaps in order, and its dumps. */
export function legacyPlanInput(archive: LegacyArchive): { backups: PlanBackup[]; entries: PlanEntry[] } {
  const segments = archive.segments.flatMap(
    (s): Array<{ seq: number; entry: PlanSegment }> =>
      s.goneAt === null && s.streamSeq !== null && s.reachedGtids !== null && (s.status === 'archived' || s.status === 'redundant')
        ? [
            {
              seq: s.streamSeq,
              entry: {
                kind: 'segment',
                file: s.file,
                serverKey: s.serverKey,
                status: s.status,
                previousGtids: s.previousGtids,
                reached: s.reachedGtids,
                firstCommitMicros: micros(s.firstCommitAt),
                lastCommitMicros: micros(s.lastCommitAt),
                gtids: s.gtids,
                lastGtid: s.lastGtid,
                objectKey: s.objectKey,
                indexKey: s.indexKey,
                storedSha256: s.storedSha256,
                sizeBytes: s.sizeBytes,
              },
            },
          ]
        : [],
  );
  const gaps = archive.gaps.map((g) => ({
    seq: g.seq,
    entry: {
      kind: 'gap' as const,
      serverKey: g.serverKey,
      afterFile: g.afterFile,
      beforeFile: g.beforeFile,
      missingFromFile: null,
      missingToFile: null,
      missing: g.missing,
      reachedBefore: g.reachedBefore,
      reached: g.reached,
      detectedAt: g.detectedAt,
    },
  }));
  const backups = archive.backups.flatMap((b): PlanBackup[] =>
    b.goneAt === null
      ? [
          {
            backupId: b.objectKey,
            gtidExecuted: b.gtidExecuted,
            finishedAt: b.finishedAt,
            engine: b.engine,
            artifactKey: b.objectKey,
            // An older system's dump has no signed manifest: its integrity is the stored SHA-256 taken at import.
            manifestKey: '',
            storedSha256: b.storedSha256,
          },
        ]
      : [],
  );
  return { backups, entries: [...segments, ...gaps].sort((a, b) => a.seq - b.seq).map((e) => e.entry) };
}

/** `pitr plan --prefix legacy/`: the product's planner over an imported legacy archive. */
export async function loadLegacyPlan(
  catalog: Catalog,
  services: Pick<ArtifactServices, 'store' | 'keys'>,
  request: PlanRequest & { prefix: string },
  now = new Date(),
): Promise<RestorePlan> {
  const { tenantId, clusterId, target, prefix } = request;
  const ref: LegacySourceRef = { tenantId, clusterId, prefix };
  const { flavor } = await getCluster(catalog, tenantId, clusterId);
  const input = legacyPlanInput(await loadLegacyArchive(catalog, ref));
  return planFromInput(services, { tenantId, clusterId, flavor, target, ...input, nowMicros: now.getTime() * 1000 });
}
