import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { applierServerArgs, applyBinlogs, type ApplyRoute } from '../../adapters/apply';
import { readExecutedGtids } from '../../adapters/apply/server-state';
import { connectionOf, withSql } from '../../adapters/engines/sql-connection';
import { startDbInstance, stopDbInstance, type DbInstance } from '../../adapters/servers/db-instance';
import { cacheDir, toolchain } from '../../adapters/servers/toolchain';
import { cachedRestoreWorkload, TABLES, type RestoreWorkload } from './restore-workload';

const MIN_BINLOG_BYTES = 200 * 1024 * 1024;
const WORKERS = 4;

const mib = (bytes: number): number => bytes / 2 ** 20;
const log = (line: string): void => void process.stdout.write(`${line}\n`);

/** A fresh MySQL 9.7 server started for the replication applier, holding the workload's dump. */
async function restoredServer(runDir: string, name: string, serverId: number, workload: RestoreWorkload): Promise<DbInstance> {
  const dir = join(runDir, name);
  const server = await startDbInstance({
    flavor: 'mysql',
    dir,
    serverId,
    extraArgs: applierServerArgs('mysql', dir, { parallelWorkers: WORKERS }),
  });
  const load = spawnSync(toolchain().mysql, ['--no-defaults', '--user=root', `--socket=${server.socket}`], {
    input: `RESET BINARY LOGS AND GTIDS;\n${readFileSync(workload.dumpFile, 'utf8')}`,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (load.status !== 0) throw new Error(`loading the dump into ${name} failed: ${load.stderr}`);
  return server;
}

interface Outcome {
  route: ApplyRoute;
  seconds: number;
  transactions: number;
  executed: string;
  checksums: string;
}

async function timedApply(server: DbInstance, route: ApplyRoute, workload: RestoreWorkload): Promise<Outcome> {
  const result = await applyBinlogs({
    flavor: 'mysql',
    db: connectionOf(server),
    binlogFiles: workload.binlogFiles,
    stop: { kind: 'all' },
    route,
  });
  return withSql(connectionOf(server), async (conn) => {
    const tables = Array.from({ length: TABLES }, (_, i) => `sbtest.sbtest${i + 1}`).join(', ');
    const [rows] = await conn.query(`CHECKSUM TABLE ${tables}`);
    const checksums = (rows as { Table: string; Checksum: string }[]).map((r) => `${r.Table}=${r.Checksum}`).join(' ');
    return {
      route,
      seconds: result.seconds,
      transactions: result.transactionsApplied,
      executed: await readExecutedGtids(conn, 'mysql'),
      checksums,
    };
  });
}

/**
 * Restores the cached dump into two identical fresh MySQL 9.7 servers, applies all the cached
 * binlogs to one through the replication applier (4 parallel workers) and to the other
 * through `mysqlbinlog | mysql`, checks both end identical, and prints both times.
 */
async function main(): Promise<void> {
  const benchDir = join(cacheDir(), 'bench', 'restore');
  mkdirSync(benchDir, { recursive: true });
  const workload = await cachedRestoreWorkload(benchDir, MIN_BINLOG_BYTES, log);
  const bytes = workload.binlogFiles.reduce((sum, file) => sum + statSync(file).size, 0);
  const runDir = mkdtempSync(join(benchDir, 'run-'));
  try {
    const applier = await restoredServer(runDir, 'applier', 2, workload);
    const reference = await restoredServer(runDir, 'reference', 3, workload);
    // Page cache first, so both routes read the binlogs from memory.
    execFileSync('cat', workload.binlogFiles, { stdio: ['ignore', 'ignore', 'inherit'] });
    const outcomes: Outcome[] = [];
    for (const [server, route] of [
      [applier, 'replication-applier'],
      [reference, 'binlog-pipe'],
    ] as const) {
      outcomes.push(await timedApply(server, route, workload));
      await stopDbInstance(server.dir);
    }
    const [fast, slow] = outcomes as [Outcome, Outcome];
    if (fast.executed !== slow.executed)
      throw new Error(`the routes end at different GTID states:\n  ${fast.executed}\n  ${slow.executed}`);
    if (fast.checksums !== slow.checksums)
      throw new Error(`the routes end with different tables:\n  ${fast.checksums}\n  ${slow.checksums}`);
    const line = (o: Outcome): string =>
      `${o.route.padEnd(20)} ${o.seconds.toFixed(1).padStart(6)}s  ${(mib(bytes) / o.seconds).toFixed(1).padStart(5)} MiB/s  ${(o.transactions / o.seconds).toFixed(0).padStart(6)} trx/s`;
    log(
      `binlogs              ${workload.binlogFiles.length} files, ${mib(bytes).toFixed(0)} MiB, ${fast.transactions} transactions to apply`,
    );
    log(line(fast));
    log(`${line(slow)}  (mysqlbinlog | mysql, one session)`);
    log(
      `ratio                ${(slow.seconds / fast.seconds).toFixed(2)}x  (${WORKERS} applier workers on ${availableParallelism()} cores)`,
    );
    log(`both end at          ${fast.executed}; CHECKSUM TABLE identical on ${TABLES} tables`);
  } finally {
    await Promise.all(['applier', 'reference'].map((name) => stopDbInstance(join(runDir, name))));
    rmSync(runDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
