import { availableParallelism, loadavg } from 'node:os';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadRecoverability } from '../../activities/archive/recoverable';
import { startBinlogStream, stopBinlogStream } from '../../client/binlogs/stream';
import { microsOf } from '../../domain/archive/recoverable';
import type { Flavor } from '../../domain/backup';
import { parseMariadbPositionText } from '../../domain/gtid/mariadb-gtid-parser';
import { mariadbGtidText } from '../../domain/gtid/mariadb-gtid';
import { freshDbInstance } from '../harness/instances';
import { startBackup, startTestCentralWorkers, startTestCluster, temporalClient } from '../harness/workers';
import { ENGINE, setRpo, withCentralCatalog } from '../integration/archive/archive-harness';
import { streamingAgentDatabase } from '../integration/archive/stream-harness';
import { type Load, nowMicros, writeLoad } from './write-load';

/**
 * How old the end of `pitr recoverable` is on a busy streamed cluster, the whole product
 * running: the agent's receiver and sealer, the stream workflow on Temporal, the central worker
 * placing each piece in the catalog, MinIO. Run by the test harness, which starts that stack:
 * `npm run bench:recoverable`. Under PITR_BENCH_WRITERS connections writing for
 * PITR_BENCH_SECONDS, it reads the cluster's recoverability as `pitr recoverable` does every
 * 100 ms and prints how long before the reading the newest recoverable transaction committed:
 * on MySQL its µs commit timestamp, on MariaDB (whole-second stamps) when its INSERT returned.
 */
const SECONDS = Number(process.env.PITR_BENCH_SECONDS ?? 60);
const WRITERS = Number(process.env.PITR_BENCH_WRITERS ?? 8);
const READ_EVERY_MS = 100;

const centralReady = startTestCentralWorkers();
const log = (line: string): void => void process.stdout.write(`# ${line}\n`);
const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const ms = (micros: number): string => `${Math.round(micros / 1000)} ms`;

for (const flavor of ['mysql', 'mariadb'] as const satisfies readonly Flavor[]) {
  test(`${flavor}: the age of the recoverable end of a busy streamed cluster`, async () => {
    await centralReady;
    const db = await freshDbInstance(flavor);
    const ids = {
      tenantId: 't-bench',
      clusterId: `c-recoverable-${flavor}-${process.pid}`,
      engine: ENGINE[flavor],
      archiveSource: 'stream' as const,
    };
    await startTestCluster(db, ids, { database: await streamingAgentDatabase(db, ids.clusterId) });
    await setRpo(ids, flavor, 1);
    const client = await temporalClient();
    await startBinlogStream(client, ids);
    await (await startBackup({ tenantId: ids.tenantId, clusterId: ids.clusterId })).handle.result();
    const started = Date.now();
    const load: Load = { transactions: 0, acknowledged: new Map() };
    const loading = writeLoad(db, started + SECONDS * 1000, WRITERS, load);
    const ages: number[] = [];
    let unknown = 0;
    let done = false;
    void loading.finally(() => {
      done = true;
    });
    // The first seconds fill the stream's first pieces: read once the load runs steadily.
    await sleep(3000);
    while (!done) {
      const r = await withCentralCatalog((catalog) => loadRecoverability(catalog, ids.tenantId, ids.clusterId));
      const readAt = nowMicros();
      const end = r.windows.at(-1);
      const committed =
        flavor === 'mysql'
          ? r.newestArchivedCommit === null
            ? undefined
            : microsOf(r.newestArchivedCommit)
          : end === undefined
            ? undefined
            : Math.max(...parseMariadbPositionText(end.to).map((g) => load.acknowledged.get(mariadbGtidText(g)) ?? 0));
      if (committed === undefined || committed === 0) unknown++;
      else ages.push(readAt - committed);
      await sleep(READ_EVERY_MS);
    }
    await loading;
    await stopBinlogStream(client, ids);
    ages.sort((a, b) => a - b);
    const elapsed = (Date.now() - started) / 1000;
    log(
      `${flavor}: ${load.transactions} transactions in ${elapsed.toFixed(1)} s (${(load.transactions / elapsed).toFixed(0)}/s) by ${WRITERS} connections, no FLUSH BINARY LOGS; ${availableParallelism()} cores, load average ${loadavg()[0]!.toFixed(1)}`,
    );
    log(
      `  recoverable end's age over ${ages.length} readings every ${READ_EVERY_MS} ms: p50 ${ms(percentile(ages, 50))}, p99 ${ms(percentile(ages, 99))}, max ${ms(ages.at(-1) ?? 0)}${unknown ? ` (${unknown} readings without a known commit)` : ''}`,
    );
  });
}
