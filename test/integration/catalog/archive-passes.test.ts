import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createArchivePassActivities } from '../../../activities/archive/pass-outcome';
import { archivePassState } from '../../../adapters/catalog/archive-passes';
import { parseCluster, upsertCluster } from '../../../adapters/catalog/clusters';
import { archivePassFailures } from '../../../activities/metrics';
import type { ArchivePassReport } from '../../../domain/archive/types';
import { freshCatalog } from '../../harness/catalog';

const ref = { tenantId: 't-passes', clusterId: 'c' };
const at = (s: number) => new Date(Date.parse('2026-11-24T03:00:00Z') + s * 1000).toISOString();
const denied = {
  type: 'DatabaseUnavailableError',
  message: 'cannot connect to mysql: Access denied',
  hint: 'check the password',
  activity: 'surveyBinlogs',
};

const failed = (run: string, second: number): ArchivePassReport => ({
  ...ref,
  workflowId: `archive-${run}`,
  runId: run,
  startedAt: at(second),
  outcome: 'failed',
  error: denied,
});
const ok = (run: string, second: number, unarchivedSinceSeconds: number | null): ArchivePassReport => ({
  ...ref,
  workflowId: `archive-${run}`,
  runId: run,
  startedAt: at(second),
  outcome: 'ok',
  observedAt: at(second + 1),
  unarchivedSinceSeconds,
});

async function failures(): Promise<number> {
  return (
    (await archivePassFailures.get()).values.find((v) => v.labels.tenant === ref.tenantId && v.labels.cluster === ref.clusterId)?.value ?? 0
  );
}

test('archive passes: the last one is kept, a retried record counts once, and each streak of failures raises one alert', async () => {
  const { catalog } = await freshCatalog();
  await upsertCluster(catalog, parseCluster({ ...ref, flavor: 'mysql', defaultEngine: 'clone' }));
  const activities = createArchivePassActivities(catalog);
  const state = () => catalog.withTenant(ref.tenantId, (db) => archivePassState(db, ref.clusterId));
  const alerts = () =>
    catalog.withTenant(ref.tenantId, async (db) =>
      (await db.query<{ subject: string }>("SELECT subject FROM alerts WHERE kind = 'archive-failed' ORDER BY alert_id")).rows.map(
        (r) => r.subject,
      ),
    );

  await activities.recordArchivePass(ok('r0', 0, 5));
  await activities.recordArchivePass(failed('r1', 60));
  await activities.recordArchivePass(failed('r1', 60));
  await activities.recordArchivePass(failed('r2', 120));
  // A pass that started before the recorded one and finished after it: history, not the last.
  await activities.recordArchivePass(ok('r-late', 30, null));
  let s = (await state())!;
  assert.deepEqual([s.last.runId, s.last.outcome, s.last.failingSince, s.last.error], ['r2', 'failed', at(60), denied]);
  assert.deepEqual(
    s.observation,
    { observedAtMicros: Date.parse(at(1)) * 1000, unarchivedSinceMicros: 5_000_000, failedSince: true },
    'the last ok look is kept',
  );
  assert.equal(await failures(), 2);
  assert.deepEqual(await alerts(), [`failing-since:${at(60)}`]);

  await activities.recordArchivePass(ok('r3', 180, null));
  s = (await state())!;
  assert.deepEqual([s.last.runId, s.last.failingSince, s.last.error], ['r3', null, null]);
  assert.deepEqual(s.observation, { observedAtMicros: Date.parse(at(181)) * 1000, unarchivedSinceMicros: null, failedSince: false });

  await activities.recordArchivePass(failed('r4', 240));
  assert.deepEqual(await alerts(), [`failing-since:${at(60)}`, `failing-since:${at(240)}`], 'a new streak raises a new alert');
  assert.equal(await failures(), 3);
});

test('a pass refused with an alert of its own (a gap, a rewritten binlog, a diverged history) raises no second one, and is counted', async () => {
  const { catalog } = await freshCatalog();
  const gapRef = { tenantId: ref.tenantId, clusterId: 'c-gap' };
  await upsertCluster(catalog, parseCluster({ ...gapRef, flavor: 'mysql', defaultEngine: 'clone' }));
  const gap = { type: 'BinlogGapError', message: 'archive gap: …', hint: 'take a new base backup', activity: 'checkSegment' };
  await createArchivePassActivities(catalog).recordArchivePass({
    ...gapRef,
    workflowId: 'archive-g',
    runId: 'g',
    startedAt: at(0),
    outcome: 'failed',
    error: gap,
  });
  const alerts = await catalog.withTenant(
    ref.tenantId,
    async (db) => (await db.query("SELECT 1 FROM alerts WHERE kind = 'archive-failed'")).rowCount,
  );
  assert.equal(alerts, 0);
  const counted = (await archivePassFailures.get()).values.find((v) => v.labels.cluster === gapRef.clusterId)?.value;
  assert.equal(counted, 1);
  const s = await catalog.withTenant(ref.tenantId, (db) => archivePassState(db, gapRef.clusterId));
  assert.deepEqual([s?.last.outcome, s?.last.error], ['failed', gap]);
});
