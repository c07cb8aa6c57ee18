import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Flavor } from '../../../domain/backup';
import { testStack } from '../../harness/env';
import { startTestCentralWorkers, temporalClient } from '../../harness/workers';
import { clusterStatus, formatStatus } from '../../../client/status/cluster-status';
import { archiveStreamLag } from '../../../activities/metrics';
import { archiveOf, segmentsOf, withCentralCatalog } from '../archive/archive-harness';
import { archivedCluster, assertRestoresExactly } from './archived-cluster';
import { instantBetween } from './oracle-writer';

process.env.PITR_RESTORE_DIR = join(testStack().stateDir, 'restores');
const centralReady = startTestCentralWorkers();

for (const flavor of ['mysql', 'mariadb'] as const satisfies readonly Flavor[]) {
  test(`${flavor}: a stream archives the open binlog in pieces, with no rotation and no archive pass, and a restore to an instant 2 s before the last commit is exact`, async () => {
    await centralReady;
    const cluster = await archivedCluster(
      flavor,
      flavor === 'mysql' ? { intervalMs: 40, settleMs: 4000 } : { intervalMs: 300, settleMs: 8000, insideSeconds: true },
      'pieces',
      undefined,
      { archive: 'stream', rotate: false },
    );
    const segments = segmentsOf(await archiveOf(cluster.ids));
    const pieces = segments.filter((s) => s.startOffset > 0);
    assert.ok(pieces.length >= 3, `the open binlog was archived in pieces (${pieces.length} after its first)`);
    assert.equal(segments.at(-1)!.closesFile, false, 'the newest piece is of a binlog the server has not closed');
    for (const [i, s] of segments.entries()) {
      const before = segments[i - 1];
      if (s.startOffset > 0)
        assert.equal(s.startOffset, before!.startOffset + before!.sizeBytes, `${s.file}: each piece starts where the one before ended`);
    }

    const lag = (await archiveStreamLag.get()).values.find((v) => v.labels.cluster === cluster.ids.clusterId);
    assert.ok(lag !== undefined && lag.value > 0, `pitr_archive_lag_seconds is reported for the cluster (${lag?.value})`);
    const client = await temporalClient();
    const status = await withCentralCatalog((catalog) => clusterStatus(catalog, client, cluster.ids.tenantId, cluster.ids.clusterId));
    const newest = segments.at(-1)!;
    assert.deepEqual(
      [status.archive.end?.file, status.archive.end?.endOffset],
      [newest.file, newest.startOffset + newest.sizeBytes],
      'pitr status names where the archive ends',
    );
    assert.ok((status.archive.end?.lagSeconds ?? -1) >= 0, 'and how long after its commit the newest piece was stored');
    assert.match(formatStatus(status), /archive end {3}binlog\.\d+ byte \d+ .*\(lag\)/);

    // About 2 s before the last commit: on MySQL between two commits, on MariaDB the end of a second.
    const last = cluster.rows.at(-1)!;
    const target = last.micros - 2_000_000;
    const i = cluster.rows.findIndex((r) => r.micros > (flavor === 'mysql' ? target : Math.floor(target / 1e6) * 1e6 + 999_999));
    const [before, next] = [cluster.rows[i - 1]!, cluster.rows[i]!];
    assert.ok(before.micros > cluster.backupFinishedMicros, 'the instant is after the backup');
    const instant = flavor === 'mysql' ? instantBetween(before, next) : Math.floor(target / 1e6) * 1e6 + 999_999;
    await assertRestoresExactly(cluster, instant, before, `pieces-${flavor}`);
  });
}
