import { readSegmentIndex } from '../archive/segment-index';
import type { ArtifactServices } from '../../adapters/artifact/services';
import { planningBackups } from '../../adapters/catalog/backups';
import type { Catalog } from '../../adapters/catalog/catalog';
import { getCluster } from '../../adapters/catalog/clusters';
import {
  archiveGaps,
  archivedSegmentsBetween,
  piecesBefore,
  streamEntries,
  streamGap,
  type SegmentRecord,
} from '../../adapters/catalog/segments';
import { segmentRange } from './segment-range';
import { archiveStretches } from '../../adapters/catalog/stretches';
import { nameGap, recoverabilityOf, type StreamSegment } from '../../domain/archive/recoverable';
import {
  chooseRestore,
  finishPlan,
  scopeChoice,
  scopeRestore,
  type PlanInput,
  type PlanSegment,
  type RestorePlan,
  type RestoreScope,
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
  return finishFromIndexes(services, await scopeFromCatalog(catalog, request, now));
}

/**
 * What the catalog alone decides of a plan. The choice of window and backup reads the archive
 * as its stretches; then only the segments from that backup to the target are read, found by
 * stream position: a plan's cost does not grow with the archive's age.
 */
export async function scopeFromCatalog(catalog: Catalog, request: PlanRequest, now = new Date()): Promise<RestoreScope> {
  const { tenantId, clusterId, target } = request;
  const { flavor } = await getCluster(catalog, tenantId, clusterId);
  return catalog.withTenant(tenantId, async (db) => {
    const stretches = await archiveStretches(db, clusterId, flavor);
    const gaps = (await archiveGaps(db, clusterId)).map((g) => nameGap(flavor, streamGap(g)));
    const backups = await planningBackups(db, clusterId);
    const input = {
      tenantId,
      clusterId,
      flavor,
      target,
      backups: backups.completed,
      expiredBackups: backups.expired,
      nowMicros: now.getTime() * 1000,
    };
    const recoverable = recoverabilityOf(
      flavor,
      stretches.map((s) => s.summary),
      gaps,
      input.backups,
      input.nowMicros,
    );
    const choice = chooseRestore(input, recoverable);
    const { window } = choice;
    const stretch = stretches.find(
      (s) => s.summary.firstFile === window.firstFile && s.summary.lastFile === window.lastFile && s.summary.to === window.to,
    )!;
    const range = await segmentRange(db, clusterId, choice, stretch);
    const segments = range === null ? [] : await archivedSegmentsBetween(db, clusterId, range.from, range.to);
    // A piece of a binlog is replayed with the pieces of its file before it.
    if (segments[0] && segments[0].startOffset > 0) segments.unshift(...(await piecesBefore(db, clusterId, segments[0])));
    return scopeChoice(choice, segments.map(planSegmentOf));
  });
}

function planSegmentOf(record: SegmentRecord): PlanSegment {
  const [streamed] = streamEntries([{ kind: 'segment', ...record }]);
  return {
    ...(streamed as StreamSegment),
    gtids: record.gtids,
    lastGtid: record.lastGtid,
    objectKey: record.objectKey,
    indexKey: record.indexKey,
    storedSha256: record.storedSha256,
    sizeBytes: record.sizeBytes,
    startOffset: record.startOffset,
  };
}

/** The plan of planner input read from the catalog: scoped, then finished with the indexes of the segments the instant falls in. */
export async function planFromInput(services: Pick<ArtifactServices, 'store' | 'keys'>, input: PlanInput): Promise<RestorePlan> {
  return finishFromIndexes(services, scopeRestore(input));
}

/** A scope finished with the indexes of the segments its instant falls in. */
async function finishFromIndexes(services: Pick<ArtifactServices, 'store' | 'keys'>, scope: RestoreScope): Promise<RestorePlan> {
  const { input } = scope;
  const transactionsOf = async (segment: PlanSegment | null) =>
    segment?.indexKey
      ? (await readSegmentIndex({ store: services.store, keys: services.keys, key: segment.indexKey, tenant: input.tenantId })).transactions
      : null;
  const following = await Promise.all(scope.following.map(transactionsOf));
  return finishPlan(scope, await transactionsOf(scope.boundary), following);
}
