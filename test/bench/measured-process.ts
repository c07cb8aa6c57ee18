import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One whole process, start-up included, as an operator's shell would run it. */
export interface ProcessRun {
  seconds: number;
  cpuSeconds: number;
  peakRssBytes: number;
  /**
   * Minor page faults: fresh memory touched. On this kind of VM each costs about 10 µs, so a
   * process that keeps allocating new buffers pays for it in CPU the profile shows elsewhere.
   */
  minorFaults: number;
}

export interface ProcessSpec {
  command: string;
  args: readonly string[];
  env?: NodeJS.ProcessEnv;
  /** Where its standard output goes (default /dev/null). */
  stdoutFile?: string;
}

/** Runs `spec` under GNU time (`/usr/bin/time`), which reports the peak RSS and CPU of the process itself. */
export async function measureProcess(spec: ProcessSpec): Promise<ProcessRun> {
  const dir = mkdtempSync(join(tmpdir(), 'pitr-bench-time-'));
  const report = join(dir, 'time');
  const stdout = openSync(spec.stdoutFile ?? '/dev/null', 'w');
  try {
    const started = process.hrtime.bigint();
    const stderr = await new Promise<string>((resolve, reject) => {
      const child = spawn('/usr/bin/time', ['-f', '%U %S %M %R', '-o', report, spec.command, ...spec.args], {
        env: spec.env ?? process.env,
        stdio: ['ignore', stdout, 'pipe'],
      });
      let errors = '';
      child.stderr?.setEncoding('utf8').on('data', (text: string) => {
        errors += text;
      });
      child.once('error', reject);
      child.once('exit', (code) =>
        code === 0 ? resolve(errors) : reject(new Error(`${spec.command} ${spec.args.join(' ')} exited with ${code}: ${errors}`)),
      );
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const [user, system, rssKiB, faults] = readFileSync(report, 'utf8').trim().split(/\s+/).map(Number);
    if (stderr.trim() !== '') process.stderr.write(stderr);
    return { seconds, cpuSeconds: (user ?? 0) + (system ?? 0), peakRssBytes: (rssKiB ?? 0) * 1024, minorFaults: faults ?? 0 };
  } finally {
    closeSync(stdout);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The median run by wall time; peak RSS is the largest seen in any run. */
export function medianRun(runs: readonly ProcessRun[]): ProcessRun {
  if (runs.length === 0) throw new Error('no runs to take a median of');
  const sorted = [...runs].sort((a, b) => a.seconds - b.seconds);
  const middle = sorted[Math.floor((sorted.length - 1) / 2)] as ProcessRun;
  return { ...middle, peakRssBytes: Math.max(...runs.map((run) => run.peakRssBytes)) };
}
