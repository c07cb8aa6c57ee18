import { comparePlans, type InstantComparison, type SidePlan } from '../../domain/legacy/compare';
import { RestoreRefusedError, type RestorePlan } from '../../domain/restore/plan';
import type { ArtifactServices } from '../artifact/services';
import { Catalog } from '../catalog/catalog';
import { getCluster } from '../catalog/clusters';
import { loadRestorePlan } from '../restore/plan';
import { loadLegacyPlan } from './plan';

export interface CompareRequest {
  tenantId: string;
  clusterId: string;
  prefix: string;
  /** ISO-8601 instants. */
  at: readonly string[];
}

async function sidePlan(plan: () => Promise<RestorePlan>): Promise<SidePlan> {
  try {
    const p = await plan();
    return { kind: 'planned', backupId: p.backup.backupId, expectedGtids: p.expectedGtids, throughCommit: p.throughCommit, segments: p.segments.length };
  } catch (err) {
    if (err instanceof RestoreRefusedError) return { kind: 'refused', reason: err.message };
    throw err;
  }
}

/** Plans each instant from the product's archive and from the legacy one, and says where they part. */
export async function compareLegacyPlans(catalog: Catalog, services: Pick<ArtifactServices, 'store' | 'keys'>, request: CompareRequest, now = new Date()): Promise<InstantComparison[]> {
  const { tenantId, clusterId, prefix } = request;
  const { flavor } = await getCluster(catalog, tenantId, clusterId);
  const comparisons: InstantComparison[] = [];
  for (const at of request.at) {
    const target = { kind: 'instant' as const, at };
    const product = await sidePlan(() => loadRestorePlan(catalog, services, { tenantId, clusterId, target }, now));
    const legacy = await sidePlan(() => loadLegacyPlan(catalog, services, { tenantId, clusterId, target, prefix }, now));
    comparisons.push(comparePlans(flavor, at, product, legacy));
  }
  return comparisons;
}
