import { readSegmentIndex } from '../archive/segment-index';
import type { ArtifactServices } from '../../adapters/artifact/services';
import { listBackups } from '../../adapters/catalog/backups';
import type { Catalog } from '../../adapters/catalog/catalog';
import { getCluster } from '../../adapters/catalog/clusters';
import { listArchive, streamEntries } from '../../adapters/catalog/segments';
import {
  finishPlan,
  scopeRestore,
  type PlanBackup,
  type PlanEntry,
  type PlanInput,
  type PlanSegment,
  type RestorePlan,
} from '../../domain/restore/plan';
import type { RestoreTarget } from '../../domain/restore/target';

export interface PlanRequest {
  tenantId: string;
  clusterId: string;
  target: RestoreTarget;
}

/**
 * Plans a restore from the catalog: the choice is `scopeRestore`/`finishPlan`; this reads their
 * inputs, and the per-transaction index of the one segment an instant falls inside.
 */
export async function loadRestorePlan(
  catalog: Catalog,
  services: Pick<ArtifactServices, 'store' | 'keys'>,
  request: PlanRequest,
  now = new Date(),
): Promise<RestorePlan> {
  const { tenantId, clusterId, target } = request;
  const { flavor } = await getCluster(catalog, tenantId, clusterId);
  const archive = await listArchive(catalog, tenantId, clusterId);
  const records = new Map(archive.flatMap((e) => (e.kind === 'segment' ? [[`${e.server.key}/${e.file}`, e] as const] : [])));
  const entries: PlanEntry[] = streamEntries(archive).map((streamed) => {
    if (streamed.kind === 'gap') return streamed;
    const record = records.get(`${streamed.serverKey}/${streamed.file}`)!;
    return {
      ...streamed,
      gtids: record.gtids,
      lastGtid: record.lastGtid,
      objectKey: record.objectKey,
      indexKey: record.indexKey,
      storedSha256: record.storedSha256,
      sizeBytes: record.sizeBytes,
    };
  });
  const catalogued = await listBackups(catalog, tenantId, clusterId);
  const expiredBackups = catalogued
    .filter((b) => b.status === 'expired' || b.status === 'expiring')
    .map((b) => ({ backupId: b.backupId, finishedAt: b.finishedAt }));
  const backups: PlanBackup[] = catalogued.flatMap((b) =>
    b.status === 'completed' && b.coordinate && b.artifactKey && b.manifestKey && b.storedSha256
      ? [
          {
            backupId: b.backupId,
            gtidExecuted: b.coordinate.gtidExecuted,
            finishedAt: b.finishedAt,
            engine: b.engine,
            artifactKey: b.artifactKey,
            manifestKey: b.manifestKey,
            storedSha256: b.storedSha256,
            ...(b.sizeBytes === undefined ? {} : { sizeBytes: b.sizeBytes }),
            ...(b.serverVersion === undefined ? {} : { serverVersion: b.serverVersion }),
          },
        ]
      : [],
  );
  return planFromInput(services, {
    tenantId,
    clusterId,
    flavor,
    target,
    backups,
    expiredBackups,
    entries,
    nowMicros: now.getTime() * 1000,
  });
}

/** The plan of planner input read from the catalog: scoped, then finished with the indexes of the segments the instant falls in. */
export async function planFromInput(services: Pick<ArtifactServices, 'store' | 'keys'>, input: PlanInput): Promise<RestorePlan> {
  const scope = scopeRestore(input);
  const transactionsOf = async (segment: PlanSegment | null) =>
    segment?.indexKey
      ? (await readSegmentIndex({ store: services.store, keys: services.keys, key: segment.indexKey, tenant: input.tenantId })).transactions
      : null;
  const following = await Promise.all(scope.following.map(transactionsOf));
  return finishPlan(
    scope,
    await transactionsOf(scope.boundary),
    following.flatMap((t) => t ?? []),
  );
}
