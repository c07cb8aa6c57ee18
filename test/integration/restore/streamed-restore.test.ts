import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Flavor } from '../../../domain/backup';
import { testStack } from '../../harness/env';
import { startTestCentralWorkers } from '../../harness/workers';
import { archivedCluster, assertRestoresExactly } from './archived-cluster';
import { instantBetween } from './oracle-writer';

process.env.PITR_RESTORE_DIR = join(testStack().stateDir, 'restores');
const centralReady = startTestCentralWorkers();

for (const flavor of ['mysql', 'mariadb'] as const satisfies readonly Flavor[]) {
  test(`${flavor}: a cluster archived from a binlog stream, without access to the server's binlog folder, restores exactly to an instant`, async () => {
    await centralReady;
    const cluster = await archivedCluster(
      flavor,
      flavor === 'mysql' ? { intervalMs: 40, settleMs: 2000 } : { intervalMs: 300, settleMs: 6000, insideSeconds: true },
      'streamed',
      undefined,
      { archive: 'stream' },
    );
    const after = cluster.rows.filter((r) => r.micros > Math.max(cluster.backupFinishedMicros, cluster.rotatedMicros) + 100_000);
    assert.ok(after.length >= 4, `rows were written after the backup (${after.length})`);
    // Between two commits under a second apart: on MariaDB, inside one whole second of its
    // binlog, which the stream's arrival times split.
    const i = after.findIndex((r, k) => k >= after.length / 3 && Math.floor(r.micros / 1e6) === Math.floor(after[k - 1]!.micros / 1e6));
    const [before, next] = [after[i - 1]!, after[i]!];
    assert.ok(i > 0 && next.micros - before.micros < 1_000_000, 'two commits sub-second apart, in one second');
    const restored = await assertRestoresExactly(cluster, instantBetween(before, next), before, `streamed-${flavor}`);
    assert.equal(restored.heldBack, null, 'nothing held back: the instant is placed exactly');
  });
}
