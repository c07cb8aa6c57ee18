import { randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, readSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { followBinlogStream, mirroredSizes, readingStream } from '../../activities/archive/binlog-mirror';
import { serverIdentity } from '../../activities/archive/survey';
import { withDatabase } from '../../adapters/db/connect';
import { EngineAbortedError } from '../../adapters/engines/errors';
import { startDbInstance, stopDbInstance } from '../../adapters/servers/db-instance';
import { cacheDir } from '../../adapters/servers/toolchain';
import { inBinlogOrder } from '../../domain/archive/binlog-names';
import type { AgentConfig } from '../../adapters/config/config';
import type { Flavor } from '../../domain/backup';
import { BinlogIndexer } from '../../domain/binlog/binlog-indexer';
import type { BinlogTransaction } from '../../domain/binlog/types';
import { SOURCE_SERVER_ARGS } from '../../devstack/stack';
import { benchAgentConfig } from './bench-agent';
import { sealStreamPiece } from '../../activities/archive/stream-sealer';
import type { SealedPiece, SegmentEnd } from '../../domain/archive/types';
import { SEAL_GATHER_MS } from '../../workflows/binlog-stream';
import type { S3Endpoint } from '../../devstack/minio-server';
import { withBenchMinio } from './bench-minio';
import { nowMicros, writeLoad } from './write-load';

/**
 * How long after its commit a transaction reaches the binlog stream's mirror, under a write load
 * of at least 1,000 transactions per second, on MySQL 9.7 and MariaDB 10.11: the product's own
 * receiver (`followBinlogStream`: mysqlbinlog / mariadb-binlog --read-from-remote-server --raw
 * --stop-never), the mirror read as it grows, no FLUSH BINARY LOGS issued; then how long after
 * its commit the piece holding it is sealed, uploaded and stored in a local MinIO by the
 * product's sealer (`sealStreamPiece`, gathering for SEAL_GATHER_MS as the stream workflow
 * calls it). Placing the piece in the catalog (a central activity and two workflow tasks) comes
 * on top of the second figure; the bench runs without Temporal.
 *
 * A transaction's commit time: on MySQL the µs commit timestamp its GTID event carries; on
 * MariaDB, whose binlog stamps whole seconds, the moment the writer's INSERT returned (the
 * binlog is written before that, so the figure is, if anything, low by one round trip).
 * PITR_BENCH_SECONDS (default 60) sets the load's length, PITR_BENCH_WRITERS (default 8) its
 * connections.
 */
const SECONDS = Number(process.env.PITR_BENCH_SECONDS ?? 60);
const WRITERS = Number(process.env.PITR_BENCH_WRITERS ?? 8);
/** How often the bench looks at the mirror: the resolution of what it measures. */
const POLL_MS = 2;

const log = (line: string): void => void process.stdout.write(`${line}\n`);

/** Reads the mirror's files as they grow, noting when each transaction is there whole. */
class MirrorTail {
  readonly received: Array<{ file: string; transaction: BinlogTransaction; atMicros: number }> = [];
  private file: string | undefined;
  private fd: number | undefined;
  private offset = 0;
  private indexer: BinlogIndexer | undefined;
  private readonly buffer = Buffer.allocUnsafe(4 * 1024 * 1024);

  private readonly dir: string;

  /** `reading`: the agent's settings reading the mirror (`readingStream`). */
  constructor(private readonly reading: AgentConfig) {
    this.dir = reading.database.binlogDir!;
  }

  /** Reads what arrived since the last call. */
  poll(): void {
    const files = inBinlogOrder([...mirroredSizes(this.reading).keys()].map((name) => ({ name }))).map((f) => f.name);
    if (this.file === undefined) {
      if (files.length === 0) return;
      this.open(files[0]!);
    }
    this.readNew();
    // A newer file exists: the current one is finished once read to its end.
    const next = files[files.indexOf(this.file!) + 1];
    if (next !== undefined) {
      this.readNew();
      closeSync(this.fd!);
      this.open(next);
      this.readNew();
    }
  }

  private open(name: string): void {
    this.file = name;
    this.fd = openSync(join(this.dir, name), 'r');
    this.offset = 0;
    this.indexer = new BinlogIndexer((transaction) => this.received.push({ file: name, transaction, atMicros: nowMicros() }), name);
  }

  private readNew(): void {
    for (;;) {
      const n = readSync(this.fd!, this.buffer, 0, this.buffer.length, this.offset);
      if (n === 0) return;
      this.offset += n;
      this.indexer!.push(Buffer.from(this.buffer.subarray(0, n)));
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
  }
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const ms = (micros: number): string => `${(micros / 1000).toFixed(1)} ms`;

/** Seals pieces of the mirror as the stream workflow does until `stop`, noting when each is stored. */
async function sealAsTheStreamDoes(
  config: AgentConfig,
  stop: AbortSignal,
): Promise<Array<{ file: string; end: number; atMicros: number }>> {
  const sealed: Array<{ file: string; end: number; atMicros: number }> = [];
  let after: SegmentEnd | null = null;
  while (!stop.aborted) {
    const ref = { tenantId: config.tenantId, clusterId: config.clusterId };
    const piece: SealedPiece | null = await sealStreamPiece(
      config,
      { ...ref, after, waitMs: 1000, gatherMs: SEAL_GATHER_MS },
      () => undefined,
      stop,
    ).catch((err: unknown) => {
      if (stop.aborted) return null;
      throw err;
    });
    if (piece === null) continue;
    const end: number = piece.startOffset + piece.inspected.sizeBytes;
    after = { serverKey: piece.server.key, file: piece.inspected.file, endOffset: end, closesFile: piece.closesFile };
    sealed.push({ file: piece.inspected.file, end, atMicros: nowMicros() });
  }
  return sealed;
}

async function benchFlavor(flavor: Flavor, s3: S3Endpoint, masterKeyFile: string): Promise<void> {
  const dir = mkdtempSync(join(cacheDir(), `bench-stream-${flavor}-`));
  const db = await startDbInstance({ flavor, dir, extraArgs: [...SOURCE_SERVER_ARGS[flavor]] });
  const stop = new AbortController();
  const stopSealing = new AbortController();
  try {
    const storage = { endpoint: s3.endpoint, bucket: s3.bucket, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey };
    const config = benchAgentConfig(db, `stream-${flavor}`, { archiveSource: 'stream' }, { storage, masterKeyFile });
    const server = await withDatabase(config.database, (conn) => serverIdentity(conn, flavor));
    const following = followBinlogStream(
      config,
      { tenantId: config.tenantId, clusterId: config.clusterId, newestArchived: null, runForMs: (SECONDS + 600) * 1000 },
      () => undefined,
      stop.signal,
    ).catch((err: unknown) => {
      if (!(err instanceof EngineAbortedError)) throw err;
    });
    const tail = new MirrorTail(readingStream(config, server.key));
    const sealing = sealAsTheStreamDoes(config, stopSealing.signal);
    const started = Date.now();
    const loading = writeLoad(db, started + SECONDS * 1000, WRITERS);
    let done = false;
    void loading.finally(() => {
      done = true;
    });
    while (!done) {
      tail.poll();
      await sleep(POLL_MS);
    }
    const load = await loading;
    const elapsed = (Date.now() - started) / 1000;
    // The last transactions arrive after the load ends.
    for (const deadline = Date.now() + 10_000; Date.now() < deadline && tail.received.length < load.transactions; await sleep(POLL_MS))
      tail.poll();
    tail.close();
    // The last pieces are sealed after the load ends.
    await sleep(3000 + SEAL_GATHER_MS);
    stopSealing.abort();
    const sealed = await sealing;
    stop.abort();
    await following;

    const lags: number[] = [];
    let unmatched = 0;
    for (const { transaction, atMicros } of tail.received) {
      const committed = flavor === 'mysql' ? transaction.commitTime.micros : load.acknowledged.get(transaction.gtid ?? '');
      if (committed === undefined) unmatched++;
      else lags.push(atMicros - committed);
    }
    lags.sort((a, b) => a - b);
    const [name] = (await withDatabase(config.database, (conn) => conn.query('SELECT VERSION() AS v')))[0] as Array<{ v: string }>;
    log(
      `${flavor} ${name!.v}: ${load.transactions} transactions in ${elapsed.toFixed(1)} s (${(load.transactions / elapsed).toFixed(0)}/s) by ${WRITERS} connections, no FLUSH BINARY LOGS; ${tail.received.length} received whole in the mirror`,
    );
    log(
      `  received after commit: p50 ${ms(percentile(lags, 50))}, p99 ${ms(percentile(lags, 99))}, max ${ms(lags[lags.length - 1] ?? 0)}` +
        `  (commit time: ${flavor === 'mysql' ? "the server's µs commit timestamp" : 'when the INSERT returned'}; the mirror looked at every ${POLL_MS} ms${unmatched ? `; ${unmatched} without a commit time` : ''})`,
    );
    const stored: number[] = [];
    let unsealed = 0;
    for (const { file, transaction } of tail.received) {
      const committed = flavor === 'mysql' ? transaction.commitTime.micros : load.acknowledged.get(transaction.gtid ?? '');
      const piece = sealed.find((p) => p.file === file && p.end >= transaction.end);
      if (piece === undefined) unsealed++;
      else if (committed !== undefined) stored.push(piece.atMicros - committed);
    }
    stored.sort((a, b) => a - b);
    log(
      `  in object storage after commit: p50 ${ms(percentile(stored, 50))}, p99 ${ms(percentile(stored, 99))}, max ${ms(stored[stored.length - 1] ?? 0)}` +
        `  (${sealed.length} pieces sealed every ${SEAL_GATHER_MS} ms at most, each uploaded with its index to MinIO${unsealed ? `; ${unsealed} transactions in no sealed piece` : ''})`,
    );
  } finally {
    stopSealing.abort();
    stop.abort();
    await stopDbInstance(dir);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  log(`machine: ${availableParallelism()} cores, load average ${loadavg()[0]!.toFixed(2)} at start; ${SECONDS} s of load per server`);
  await withBenchMinio(async ({ s3, dir }) => {
    const masterKeyFile = join(dir, 'master.key');
    writeFileSync(masterKeyFile, randomBytes(32).toString('base64'), { mode: 0o600 });
    for (const flavor of ['mysql', 'mariadb'] as const) await benchFlavor(flavor, s3, masterKeyFile);
  });
  log(`load average ${loadavg()[0]!.toFixed(2)} at the end`);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
