import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCluster, upsertCluster } from '../../../adapters/catalog/clusters';
import { productMetrics } from '../../../activities/metrics';
import { recordRestoreOutcome } from '../../../activities/restore/outcomes';
import { freshCatalog } from '../../harness/catalog';

test('each restore outcome is counted once with its duration and cluster, however often it is recorded', async () => {
  const { catalog } = await freshCatalog();
  await upsertCluster(catalog, parseCluster({ tenantId: 't', clusterId: 'c', flavor: 'mysql', defaultEngine: 'clone' }));
  const outcome = {
    restoreId: 'r1',
    tenantId: 't',
    clusterId: 'c',
    target: { kind: 'latest' as const },
    status: 'succeeded' as const,
    backupId: 'b',
    appliedThrough: 'u:1-5',
    throughCommit: null,
    failure: null,
    startedAt: new Date().toISOString(),
    durationMs: 42_000,
  };
  await recordRestoreOutcome(catalog, outcome);
  await recordRestoreOutcome(catalog, outcome);
  const page = await productMetrics.getSingleMetricAsString('pitr_restore_duration_seconds');
  assert.match(page, /^pitr_restore_duration_seconds_count\{tenant="t",cluster="c",outcome="succeeded"\} 1$/m);
  assert.match(page, /^pitr_restore_duration_seconds_sum\{tenant="t",cluster="c",outcome="succeeded"\} 42$/m);
});
