import type { Catalog } from '../../adapters/catalog/catalog';
import { insertRestoreOutcome } from '../../adapters/catalog/restores';
import { restoreDuration } from '../metrics';
import type { RestoreOutcome } from '../../domain/restore/workflow-types';

/** Records a restore's outcome once, and counts its duration with the record that wrote it. */
export async function recordRestoreOutcome(catalog: Catalog, o: RestoreOutcome): Promise<void> {
  if (await insertRestoreOutcome(catalog, o))
    restoreDuration.observe({ tenant: o.tenantId, cluster: o.clusterId, outcome: o.status }, o.durationMs / 1000);
}
