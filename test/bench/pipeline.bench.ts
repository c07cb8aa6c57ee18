import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { S3Endpoint } from '../../devstack/minio-server';
import { withBenchMinio } from './bench-minio';
import { toolchain } from '../../adapters/servers/toolchain';
import { measureProcess, medianRun, type ProcessRun } from './measured-process';
import { ensureSysbenchDump } from './sysbench-dump';

/**
 * `npm run bench:pipeline`: the real CLI, whole process and start-up included, on a
 * sysbench-shaped mysqldump (compresses about 2x), side by side with what an operator would
 * otherwise run, in the same run:
 *   `pitr artifact pack FILE s3://…` (to a local MinIO) against `zstd -T0 -3 -c FILE > /dev/null`;
 *   `pitr artifact unpack s3://… OUT` against `zstd -d` of a local .zst into OUT plus the
 *   download alone (`curl --aws-sigv4 … -o /dev/null`).
 * PITR_BENCH_SIZES_MB (default 200,800) sets the input sizes, PITR_BENCH_RUNS (default 5) the
 * runs per figure (median); PITR_S3_ENDPOINT (with AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY and
 * PITR_BENCH_BUCKET) uses an existing endpoint instead of starting MinIO.
 */

const MIB = 1024 * 1024;
const PITR = resolve(__dirname, '../../../bin/pitr');
const log = (line: string): void => void process.stdout.write(`${line}\n`);

interface Stack {
  s3: S3Endpoint;
  /** MinIO's pid when the bench started it: its CPU is part of what a pack costs the machine. */
  minioPid: number | undefined;
}

interface Figures {
  run: ProcessRun;
  /** CPU seconds MinIO spent during the median run, when known. */
  minioCpuSeconds?: number;
}

function processCpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
      .replace(/^.*\) /, '')
      .split(' ');
    // utime and stime, fields 14 and 15 of stat(5), in USER_HZ (100 on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

async function withStack<T>(run: (stack: Stack) => Promise<T>): Promise<T> {
  const endpoint = process.env.PITR_S3_ENDPOINT;
  if (endpoint) {
    const s3 = {
      endpoint,
      region: process.env.PITR_S3_REGION ?? 'us-east-1',
      accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? '',
      secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? '',
      bucket: process.env.PITR_BENCH_BUCKET ?? 'pitr-bench',
    };
    return run({ s3, minioPid: undefined });
  }
  return withBenchMinio(({ s3, minioPid }) => run({ s3, minioPid }));
}

function cliEnv(s3: S3Endpoint, masterKey: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PITR_S3_ENDPOINT: s3.endpoint,
    PITR_S3_REGION: s3.region,
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
    PITR_S3_PREFIX: 'bench-keys/',
    PITR_MASTER_KEY: masterKey,
  };
}

/** Runs each spec once per round, alternating them so that the machine's noise falls on all alike. */
async function rounds(stack: Stack, rounds: number, specs: Record<string, () => Promise<ProcessRun>>): Promise<Record<string, Figures>> {
  const runs: Record<string, Array<Figures>> = {};
  for (let round = 0; round < rounds; round++) {
    for (const [name, spec] of Object.entries(specs)) {
      const minioBefore = processCpuSeconds(stack.minioPid);
      const run = await spec();
      const minioAfter = processCpuSeconds(stack.minioPid);
      const minioCpuSeconds = minioBefore === undefined || minioAfter === undefined ? undefined : minioAfter - minioBefore;
      (runs[name] ??= []).push({ run, minioCpuSeconds });
    }
  }
  return Object.fromEntries(
    Object.entries(runs).map(([name, figures]) => {
      const median = medianRun(figures.map((f) => f.run));
      const minio = figures.find((f) => f.run.seconds === median.seconds)?.minioCpuSeconds;
      return [name, { run: median, minioCpuSeconds: minio }];
    }),
  );
}

function line(label: string, bytes: number, { run, minioCpuSeconds }: Figures, extra = ''): string {
  const rate = bytes / MIB / run.seconds;
  const minio = minioCpuSeconds === undefined ? '' : ` (+ MinIO ${minioCpuSeconds.toFixed(1)} s)`;
  return `  ${label.padEnd(36)} ${run.seconds.toFixed(2).padStart(6)} s ${rate.toFixed(0).padStart(5)} MiB/s  cpu ${run.cpuSeconds.toFixed(1).padStart(5)} s${minio}  peak RSS ${(run.peakRssBytes / MIB).toFixed(0).padStart(4)} MiB  ${(run.minorFaults / 1000).toFixed(0).padStart(3)}k page faults${extra}`;
}

async function benchSize(stack: Stack, env: NodeJS.ProcessEnv, mib: number, runs: number): Promise<void> {
  const file = ensureSysbenchDump(mib * MIB);
  const size = statSync(file).size;
  const work = mkdtempSync(join(tmpdir(), 'pitr-bench-pipeline-'));
  const { zstd } = toolchain();
  const key = `bench/${process.pid}/sysbench-${mib}.pitr`;
  const url = `s3://${stack.s3.bucket}/${key}`;
  const manifest = join(work, 'manifest.json');
  try {
    const pack = await rounds(stack, runs, {
      zstd: () => measureProcess({ command: zstd, args: ['-T0', '-3', '-q', '-c', file] }),
      pack: () =>
        measureProcess({
          command: process.execPath,
          args: [PITR, 'artifact', 'pack', file, url, '--tenant', 'bench'],
          env,
          stdoutFile: manifest,
        }),
    });
    const packed = JSON.parse(readFileSync(manifest, 'utf8')) as { storedBytes: number; sha256: string; parts: number };
    const local = join(work, 'local.zst');
    await measureProcess({ command: zstd, args: ['-T0', '-3', '-q', '-c', file], stdoutFile: local });
    const out = join(work, 'out.sql');
    // Each writes a new file, as an operator's restore would: replacing the previous run's 800 MB costs its unlink.
    const fresh =
      <T>(run: () => Promise<T>) =>
      () =>
        run().finally(() => rmSync(out, { force: true }));
    const unpack = await rounds(stack, runs, {
      zstdD: fresh(() => measureProcess({ command: zstd, args: ['-d', '-q', '-c', local], stdoutFile: out })),
      download: () =>
        measureProcess({
          command: 'curl',
          args: [
            '--silent',
            '--show-error',
            '--fail',
            '--aws-sigv4',
            `aws:amz:${stack.s3.region}:s3`,
            '--user',
            `${stack.s3.accessKeyId}:${stack.s3.secretAccessKey}`,
            '--output',
            '/dev/null',
            `${stack.s3.endpoint}/${stack.s3.bucket}/${key}`,
          ],
        }),
      unpack: fresh(() =>
        measureProcess({ command: process.execPath, args: [PITR, 'artifact', 'unpack', url, out, '--sha256', packed.sha256], env }),
      ),
    });
    const figure = (name: string, figures: Record<string, Figures>): Figures => figures[name] as Figures;
    const zstdRun = figure('zstd', pack);
    const packRun = figure('pack', pack);
    const reference = figure('zstdD', unpack).run.seconds + figure('download', unpack).run.seconds;
    const unpackRun = figure('unpack', unpack);
    log(
      `input: ${(size / MIB).toFixed(0)} MiB sysbench dump (${file}); stored ${packed.storedBytes} bytes in ${packed.parts} parts, ratio ${(size / packed.storedBytes).toFixed(2)}`,
    );
    log(line('zstd -T0 -3 -c FILE > /dev/null', size, zstdRun));
    log(
      line(
        'pitr artifact pack FILE s3://…',
        size,
        packRun,
        `  = ${(zstdRun.run.seconds / packRun.run.seconds).toFixed(2)}× zstd's throughput`,
      ),
    );
    log(line('zstd -d -c local.zst > OUT', size, figure('zstdD', unpack)));
    log(line('curl GET (download alone)', size, figure('download', unpack)));
    log(
      `  ${'reference: zstd -d + download'.padEnd(36)} ${reference.toFixed(2).padStart(6)} s ${(size / MIB / reference).toFixed(0).padStart(5)} MiB/s`,
    );
    log(
      line(
        'pitr artifact unpack s3://… OUT',
        size,
        unpackRun,
        `  = ${(reference / unpackRun.run.seconds).toFixed(2)}× the reference's throughput`,
      ),
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const sizes = (process.env.PITR_BENCH_SIZES_MB ?? '200,800').split(',').map(Number);
  const runs = Number(process.env.PITR_BENCH_RUNS ?? 5);
  if (sizes.some((mib) => !Number.isInteger(mib) || mib < 1) || !Number.isInteger(runs) || runs < 1) {
    throw new Error('PITR_BENCH_SIZES_MB takes sizes in MiB (e.g. 200,800) and PITR_BENCH_RUNS a count of at least 1');
  }
  for (const mib of sizes) ensureSysbenchDump(mib * MIB);
  log(
    `machine: ${availableParallelism()} cores, load average ${loadavg()[0]?.toFixed(2)} at start; median of ${runs} runs, alternated; MinIO shares the cores`,
  );
  await withStack(async (stack) => {
    const env = cliEnv(stack.s3, randomBytes(32).toString('base64'));
    for (const mib of sizes) await benchSize(stack, env, mib, runs);
  });
  log(`load average ${loadavg()[0]?.toFixed(2)} at the end`);
}

main().catch((err) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
