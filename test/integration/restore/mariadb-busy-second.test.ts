import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { requestRestore } from '../../../client/restore/request';
import { isoMicros } from '../../../domain/archive/recoverable';
import type { RestorePlan } from '../../../domain/restore/plan';
import { parseRestoreTarget } from '../../../domain/restore/target';
import type { PitrRestoreResult } from '../../../domain/restore/workflow-types';
import { testStack } from '../../harness/env';
import { startTestCentralWorkers, temporalClient } from '../../harness/workers';
import { archivedCluster, type Cluster } from './archived-cluster';
import type { CommittedRow } from './oracle-writer';

const centralReady = startTestCentralWorkers();
const run = promisify(execFile);
const cli = resolve(__dirname, '../../../client/cli.js');

async function pitr(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [cli, ...args, '--config', testStack().configs.central]);
  return stdout;
}

const secondOf = (r: CommittedRow) => Math.floor(r.micros / 1e6);

/** Restores the cluster to `to` and returns how many oracle rows the restored server held (rows are committed in id order). */
async function restoredRows(cluster: Cluster, to: string, key: string): Promise<PitrRestoreResult & { rows: number }> {
  const requested = await requestRestore(await temporalClient(), { ...cluster.ids, target: parseRestoreTarget(to), idempotencyKey: key });
  const result = await requested.handle.result();
  return { ...result, rows: result.verification!.rowCounts['oracle.commits']! };
}

/**
 * MariaDB's binlog stamps each commit with a whole second. A writer that commits many times a
 * second records each row's own time in microseconds: a restore to an instant inside such a
 * second must hold nothing committed after the instant, so it stops before the second and
 * the plan says which transactions it held back and how to include them.
 */
test('mariadb: restores to instants inside busy seconds hold nothing committed after the instant, and name what they held back', async () => {
  await centralReady;
  const cluster = await archivedCluster('mariadb', { intervalMs: 15, settleMs: 6000 }, 'busy');
  const after = cluster.rows.filter((r) => r.micros > cluster.backupFinishedMicros + 100_000);
  const rowsOf = (second: number) => cluster.rows.filter((r) => secondOf(r) === second);
  const seconds = [...new Set(after.map(secondOf))].filter((s) => rowsOf(s).length >= 6 && rowsOf(s)[0]!.micros > after[0]!.micros);
  assert.ok(seconds.length >= 3, `busy seconds after the backup: ${seconds.length}`);
  // Three instants, each between two commits of a busy second: early, middle and late in it.
  const instants = [0.25, 0.5, 0.75].map((share, i) => {
    const second = seconds[Math.min(i, seconds.length - 1)]!;
    const inSecond = rowsOf(second);
    const k = Math.max(1, Math.min(inSecond.length - 1, Math.round(inSecond.length * share)));
    return { second, inSecond, micros: Math.floor((inSecond[k - 1]!.micros + inSecond[k]!.micros) / 2) };
  });

  const restores = instants.map(async ({ second, inSecond, micros }, i) => {
    const plan = JSON.parse(
      await pitr('plan', '--tenant', cluster.ids.tenantId, '--cluster', cluster.ids.clusterId, '--to', isoMicros(micros), '--json'),
    ) as RestorePlan;
    const beforeSecond = cluster.rows.filter((r) => secondOf(r) < second);
    const committedByInstant = cluster.rows.filter((r) => r.micros <= micros).length;
    assert.ok(
      committedByInstant > beforeSecond.length,
      'rows of the busy second committed before the instant: a whole-second restore would take them and those after',
    );
    assert.equal(
      plan.expectedGtids,
      beforeSecond[beforeSecond.length - 1]!.gtidAfter,
      'the plan stops after the last commit of the second before',
    );
    assert.deepEqual(
      [plan.heldBack?.second, plan.heldBack?.transactions, plan.heldBack?.includeAllTarget],
      [isoMicros(second * 1e6).replace('.000000Z', 'Z'), inSecond.length, `gtid:${inSecond[inSecond.length - 1]!.gtidAfter}`],
      'the plan names the busy second, how many transactions it holds and the target that includes them',
    );
    const text = await pitr('plan', '--tenant', cluster.ids.tenantId, '--cluster', cluster.ids.clusterId, '--to', isoMicros(micros));
    assert.match(text, new RegExp(`held back +${inSecond.length} transactions stamped`));
    assert.match(text, /whole second/);

    const restored = await restoredRows(cluster, isoMicros(micros), `busy-${i}`);
    assert.ok(
      cluster.rows.slice(0, restored.rows).every((r) => r.micros <= micros),
      `nothing committed after ${isoMicros(micros)} was restored`,
    );
    assert.equal(restored.rows, beforeSecond.length, "every row of the seconds before the instant's was restored");
    assert.deepEqual(restored.heldBack, plan.heldBack, 'the result says what was held back');
    return { plan, inSecond };
  });
  const [first] = await Promise.all(restores);

  // The hint works: its target restores the held-back second whole.
  const included = await restoredRows(cluster, first!.plan.heldBack!.includeAllTarget, 'busy-include');
  assert.equal(included.rows, first!.inSecond[first!.inSecond.length - 1]!.id);
});
