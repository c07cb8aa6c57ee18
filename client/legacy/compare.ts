import { compareRestored, comparePlans, type InstantComparison, type SidePlan } from '../../domain/legacy/compare';
import { RestoreRefusedError, type RestorePlan } from '../../domain/restore/plan';
import type { ArtifactServices } from '../../adapters/artifact/services';
import type { Catalog } from '../../adapters/catalog/catalog';
import { getCluster } from '../../adapters/catalog/clusters';
import type { CentralConfig } from '../../adapters/config/config';
import { loadRestorePlan } from '../../activities/restore/plan';
import type { RestoreProvisioner } from '../../activities/restore/provisioner';
import { dryRun, restoreLegacyPlan, restoreProductPlan } from './dry-run';
import { loadLegacyPlan } from './plan';

export interface CompareRequest {
  tenantId: string;
  clusterId: string;
  prefix: string;
  /** ISO-8601 instants. */
  at: readonly string[];
}

/** Where `--restore` runs its dry-run restores, and the configuration the product's restore verifies manifests with. */
export interface DryRunSetting {
  config: CentralConfig;
  provisioner: RestoreProvisioner;
  signal: AbortSignal;
}

async function sidePlan(plan: () => Promise<RestorePlan>): Promise<{ side: SidePlan; plan?: RestorePlan }> {
  try {
    const p = await plan();
    return {
      side: {
        kind: 'planned',
        backupId: p.backup.backupId,
        expectedGtids: p.expectedGtids,
        throughCommit: p.throughCommit,
        segments: p.segments.length,
      },
      plan: p,
    };
  } catch (err) {
    if (err instanceof RestoreRefusedError) return { side: { kind: 'refused', reason: err.message } };
    throw err;
  }
}

/**
 * Plans each instant from the product's archive and from the legacy one, and says where they
 * part; with `dryRun`, restores both sides of every instant both can plan, one instance at a
 * time, and compares what the servers hold.
 */
export async function compareLegacyPlans(
  catalog: Catalog,
  services: Pick<ArtifactServices, 'store' | 'keys'>,
  request: CompareRequest,
  dryRunSetting?: DryRunSetting,
  now = new Date(),
): Promise<InstantComparison[]> {
  const { tenantId, clusterId, prefix } = request;
  const { flavor } = await getCluster(catalog, tenantId, clusterId);
  const comparisons: InstantComparison[] = [];
  for (const [i, at] of request.at.entries()) {
    const target = { kind: 'instant' as const, at };
    const product = await sidePlan(() => loadRestorePlan(catalog, services, { tenantId, clusterId, target }, now));
    const legacy = await sidePlan(() => loadLegacyPlan(catalog, services, { tenantId, clusterId, target, prefix }, now));
    const comparison = comparePlans(flavor, at, product.side, legacy.side);
    if (dryRunSetting && product.plan && legacy.plan) {
      const { config, provisioner, signal } = dryRunSetting;
      const id = `legacy-compare-${clusterId}-${now.getTime()}-${i + 1}`;
      const productPlan = product.plan;
      const legacyPlan = legacy.plan;
      const productState = await dryRun(provisioner, `${id}-product`, productPlan, (site) =>
        restoreProductPlan(config, services, productPlan, site, signal),
      );
      const legacyState = await dryRun(provisioner, `${id}-legacy`, legacyPlan, (site) =>
        restoreLegacyPlan(services, legacyPlan, site, signal),
      );
      comparison.restored = compareRestored(flavor, productState, legacyState);
    }
    comparisons.push(comparison);
  }
  return comparisons;
}
