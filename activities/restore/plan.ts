import { readSegmentIndex } from '../archive/segment-index';
import type { ArtifactServices } from '../../adapters/artifact/services';
import type { PoolClient } from 'pg';
import { planningBackups } from '../../adapters/catalog/backups';
import type { Catalog } from '../../adapters/catalog/catalog';
import { getCluster } from '../../adapters/catalog/clusters';
import { archiveGaps, archivedSegmentsBetween, streamEntries, type SegmentRecord } from '../../adapters/catalog/segments';
import {
  archiveStretches,
  archivedAtOrAfter,
  firstStampedFrom,
  firstStartingAfter,
  type StretchRange,
} from '../../adapters/catalog/stretches';
import { historyContains } from '../../domain/archive/history';
import { microsOf, nameGap, recoverabilityOf, type StreamSegment } from '../../domain/archive/recoverable';
import { earliestStampAfter } from '../../domain/restore/held-back';
import {
  chooseRestore,
  finishPlan,
  scopeChoice,
  scopeRestore,
  type PlanInput,
  type RestoreChoice,
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
    const gaps = streamEntries((await archiveGaps(db, clusterId)).map((g) => ({ kind: 'gap' as const, ...g })));
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
      gaps.flatMap((g) => (g.kind === 'gap' ? [nameGap(flavor, g)] : [])),
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
    return scopeChoice(choice, segments.map(planSegmentOf));
  });
}

/**
 * Where in the stream the segments `scopeChoice` decides on lie: from the first the backup lacks
 * transactions of (histories only grow along a stretch, so it is found by bisection), through
 * the one that reaches the target, or, for an instant, the one after the segments stamped at or
 * before it; null when the backup holds the whole stretch.
 */
async function segmentRange(
  db: PoolClient,
  clusterId: string,
  { input, backup }: RestoreChoice,
  stretch: StretchRange,
): Promise<{ from: number; to: number } | null> {
  const { flavor, target } = input;
  const firstWhere = (from: number, holds: (reached: string) => boolean) =>
    bisect((at) => archivedAtOrAfter(db, clusterId, at, stretch.lastSeq), from, stretch.lastSeq, holds);
  const from = await firstWhere(stretch.firstSeq, (reached) => !historyContains(flavor, backup.gtidExecuted, reached));
  if (from === undefined) return null;
  if (target.kind === 'gtid')
    return { from, to: (await firstWhere(from, (reached) => historyContains(flavor, reached, target.set))) ?? stretch.lastSeq };
  if (target.kind !== 'instant') return { from, to: stretch.lastSeq };
  const micros = microsOf(target.at);
  const boundary = await firstStampedFrom(db, clusterId, from, stretch.lastSeq, earliestStampAfter(flavor, micros));
  if (boundary === undefined) return { from, to: stretch.lastSeq };
  return { from, to: (await firstStartingAfter(db, clusterId, boundary, stretch.lastSeq, micros)) ?? stretch.lastSeq };
}

/**
 * The first stream position in `from`…`to` whose segment `holds`, for a property that, once a
 * segment has it, every later one has too; `next` is the first segment at or after a position.
 */
async function bisect(
  next: (at: number) => Promise<{ seq: number; reached: string } | undefined>,
  from: number,
  to: number,
  holds: (reached: string) => boolean,
): Promise<number | undefined> {
  let found: number | undefined;
  let low = from;
  let high = to;
  while (low <= high) {
    const middle = low + Math.floor((high - low) / 2);
    const segment = await next(middle);
    if (segment === undefined || segment.seq > high) high = middle - 1;
    else if (holds(segment.reached)) {
      found = segment.seq;
      high = middle - 1;
    } else low = segment.seq + 1;
  }
  return found;
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
  return finishPlan(
    scope,
    await transactionsOf(scope.boundary),
    following.flatMap((t) => t ?? []),
  );
}
