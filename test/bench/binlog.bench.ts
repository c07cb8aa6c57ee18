import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cacheDir, toolchain } from '../../adapters/servers/toolchain';
import { type BinlogWorkload, generateMysqlBinlog } from './binlog-workload';
import { FIXTURE_DIR, fixtureOf } from '../fixtures/binlogs/expected';

// Best of several interleaved runs: the machine is shared, and a run can lose its core to another process.
const RUNS = 5;

interface ReaderRun {
  /** Reading alone, measured inside the child. */
  seconds: number;
  /** The whole child process, Node start-up included, as mysqlbinlog's time includes its own. */
  wallSeconds: number;
  bytes: number;
  events: number;
  transactions: number;
  maxRssBytes: number;
}

function readInChild(file: string): ReaderRun {
  const started = process.hrtime.bigint();
  const out = execFileSync(process.execPath, [join(__dirname, 'binlog-read-child.js'), file], { encoding: 'utf8' });
  const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { ...(JSON.parse(out) as Omit<ReaderRun, 'wallSeconds'>), wallSeconds };
}

function timeMysqlbinlog(mysqlbinlog: string, file: string): number {
  const devNull = openSync('/dev/null', 'w');
  try {
    const started = process.hrtime.bigint();
    const result = spawnSync(mysqlbinlog, [file], { stdio: ['ignore', devNull, 'inherit'] });
    if (result.status !== 0) throw new Error(`mysqlbinlog exited with ${result.status}`);
    return Number(process.hrtime.bigint() - started) / 1e9;
  } finally {
    closeSync(devNull);
  }
}

const mb = (bytes: number): number => bytes / (1024 * 1024);

const WORKLOADS: readonly { workload: BinlogWorkload; minBytes: number }[] = [
  { workload: 'mixed', minBytes: 256 * 1024 * 1024 },
  { workload: 'oltp', minBytes: 128 * 1024 * 1024 },
];

async function binlogOf(workload: BinlogWorkload, minBytes: number, dir: string): Promise<string> {
  const file = join(dir, `mysql-9.7-${workload}.binlog`);
  if (!existsSync(file)) {
    const started = Date.now();
    process.stdout.write(`generating a >= ${mb(minBytes)} MiB ${workload} binlog with MySQL 9.7 (cached in ${dir}) ...\n`);
    await generateMysqlBinlog(file, minBytes, join(dir, 'mysql-server'), workload);
    process.stdout.write(`generated in ${((Date.now() - started) / 1000).toFixed(0)}s\n`);
  }
  return file;
}

function compare(file: string, mysqlbinlog: string): string[] {
  const size = statSync(file).size;
  // Page cache first, so both contenders read from memory.
  execFileSync('cat', [file], { stdio: ['ignore', 'ignore', 'inherit'], maxBuffer: 0 });
  const reads: ReaderRun[] = [];
  const mysqlbinlogRuns: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    reads.push(readInChild(file));
    mysqlbinlogRuns.push(timeMysqlbinlog(mysqlbinlog, file));
  }
  const mysqlbinlogSeconds = Math.min(...mysqlbinlogRuns);
  const best = reads.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  const readerMbps = mb(size) / best.seconds;
  const mysqlbinlogMbps = mb(size) / mysqlbinlogSeconds;
  return [
    `binlog      ${file} (${mb(size).toFixed(1)} MiB, ${best.events} events, ${best.transactions} transactions, ${(size / best.events).toFixed(0)} bytes per event)`,
    `reader      ${best.seconds.toFixed(2)}s  ${readerMbps.toFixed(0)} MiB/s  (best of ${RUNS}, every CRC32 checked, every transaction indexed)`,
    `            ${best.wallSeconds.toFixed(2)}s  ${(mb(size) / best.wallSeconds).toFixed(0)} MiB/s  as a whole process, Node start-up included`,
    `mysqlbinlog ${mysqlbinlogSeconds.toFixed(2)}s  ${mysqlbinlogMbps.toFixed(0)} MiB/s  (best of ${RUNS}, output to /dev/null)`,
    `ratio       ${(readerMbps / mysqlbinlogMbps).toFixed(1)}x`,
    `reader peak RSS ${mb(best.maxRssBytes).toFixed(0)} MiB on ${mb(size).toFixed(0)} MiB`,
  ];
}

async function main(): Promise<void> {
  const tools = toolchain();
  const dir = join(cacheDir(), 'bench');
  mkdirSync(dir, { recursive: true });
  const files = [];
  for (const { workload, minBytes } of WORKLOADS) files.push(await binlogOf(workload, minBytes, dir));
  const lines = files.flatMap((file) => compare(file, tools.mysqlbinlog));
  const fixture = resolve(FIXTURE_DIR, fixtureOf('mysql', 'shop').name);
  if (existsSync(fixture)) {
    const small = readInChild(fixture);
    lines.push(`reader peak RSS ${mb(small.maxRssBytes).toFixed(0)} MiB on a ${mb(small.bytes).toFixed(1)} MiB file`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
