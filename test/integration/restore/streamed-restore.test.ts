import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Flavor } from '../../../domain/backup';
import { testStack } from '../../harness/env';
import { startTestCentralWorkers } from '../../harness/workers';
import { archivedCluster, assertRestoresExactly } from './archived-cluster';

process.env.PITR_RESTORE_DIR = join(testStack().stateDir, 'restores');
const centralReady = startTestCentralWorkers();

for (const flavor of ['mysql', 'mariadb'] as const satisfies readonly Flavor[]) {
  test(`${flavor}: a cluster archived from a binlog stream, without access to the server's binlog folder, restores exactly to an instant`, async () => {
    await centralReady;
    // MySQL commits sub-second apart; MariaDB's binlog keeps whole seconds, so its rows span several.
    const cluster = await archivedCluster(
      flavor,
      flavor === 'mysql' ? { intervalMs: 40, settleMs: 2000 } : { intervalMs: 300, settleMs: 6000, insideSeconds: true },
      'streamed',
      undefined,
      { archive: 'stream' },
    );
    const after = cluster.rows.filter((r) => r.micros > Math.max(cluster.backupFinishedMicros, cluster.rotatedMicros) + 100_000);
    assert.ok(after.length >= 4, `rows were written after the backup (${after.length})`);
    // MySQL: between two commits under a second apart. MariaDB: the end of one row's second, before the next row's.
    const i =
      flavor === 'mysql'
        ? Math.floor(after.length / 2)
        : after.findIndex((r, k) => k > 0 && Math.floor(r.micros / 1e6) > Math.floor(after[k - 1]!.micros / 1e6) && k >= after.length / 3);
    const [before, next] = [after[i - 1]!, after[i]!];
    const instant = flavor === 'mysql' ? Math.floor((before.micros + next.micros) / 2) : Math.floor(before.micros / 1e6) * 1e6 + 999_999;
    if (flavor === 'mysql') assert.ok(next.micros - before.micros < 1_000_000, 'the two commits are sub-second apart');
    await assertRestoresExactly(cluster, instant, before, `streamed-${flavor}`);
  });
}
