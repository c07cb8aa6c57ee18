import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { freeStackPorts, type StackInfo, startStack, stopStack } from '../../devstack/stack';
import { PortInUseError, stopEveryPidFileUnder } from '../../adapters/servers/process';
import { cacheDir } from '../../adapters/servers/toolchain';
import { InvalidInputError } from '../../domain/errors';
import { STACK_ENV } from './env';
import { dropLane, type Lane, laneName, migrateLaneTemplate, prepareLane } from './lanes';
import { WORKFLOW_BUNDLE_ENV, writeWorkflowBundle } from './workflow-bundle';

/**
 * Runs the test suite: starts the real stack once on free ports and runs the test files in
 * parallel, each integration file in a lane of its own on that stack (see `lanes.ts`), the unit
 * files together; tears everything down whatever happened. `--unit` runs the unit tests alone,
 * without the stack. Other arguments name test files or folders (default: all of dist/test/unit
 * and dist/test/integration). PITR_TEST_JOBS sets how many run at once.
 */
async function main(argv: string[]): Promise<number> {
  // The SDK version is pinned by the lockfile; its notice about future Node versions is noise here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const unitOnly = argv.includes('--unit');
  const jobs = testJobs();
  const distTest = resolve(__dirname, '..');
  const named = argv.filter((a) => !a.startsWith('--'));
  const defaults = unitOnly ? ['unit'] : ['unit', 'integration'];
  const targets = named.length > 0 ? named.map((t) => resolve(t)) : defaults.map((d) => join(distTest, d)).filter(existsSync);
  const files = targets.flatMap(testFilesUnder);
  const unitFiles = files.filter((f) => f.startsWith(join(distTest, 'unit')));
  const integrationFiles = files.filter((f) => !unitFiles.includes(f));
  // Bundled once here rather than by each file that starts workers.
  const bundleFile = join(tmpdir(), `pitr-workflow-bundle-${process.pid}.json`);
  await writeWorkflowBundle(bundleFile);
  process.env[WORKFLOW_BUNDLE_ENV] = bundleFile;
  try {
    if (integrationFiles.length === 0) return (await runTestFiles('unit', unitFiles, {})).code;
    return await runWithStack(distTest, unitFiles, integrationFiles, jobs);
  } finally {
    rmSync(bundleFile, { force: true });
  }
}

async function runWithStack(distTest: string, unitFiles: string[], integrationFiles: string[], jobs: number): Promise<number> {
  const stateDir = mkdtempSync(join(tmpdir(), 'pitr-test-'));
  const database = `pitr_test_${process.pid}`;
  const lanes: Lane[] = [];
  let stopping: Promise<void> | undefined;
  const teardown = (): Promise<void> =>
    (stopping ??= (async () => {
      // Every server a test started under the state folder: fresh instances, restored ones a
      // failed test never released, the stack's own services.
      await stopEveryPidFileUnder(stateDir).catch((err) => console.error('teardown:', err));
      await Promise.all(lanes.map((lane) => dropLane(lane).catch((err) => console.error('teardown:', err))));
      await stopStack(stateDir, { dropCatalog: true }).catch((err) => console.error('teardown:', err));
      rmSync(stateDir, { recursive: true, force: true });
    })());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      for (const child of running) stopGroup(child, 'SIGTERM');
      void teardown().then(() => process.exit(130));
    });
  }
  try {
    const started = Date.now();
    const stack = await startStackOnFreePorts(stateDir, database);
    await migrateLaneTemplate(stack);
    console.log(`# real stack up in ${seconds(Date.now() - started)} (${stateDir})`);
    return await runInLanes(stack, distTest, unitFiles, integrationFiles, lanes, jobs);
  } finally {
    await teardown();
  }
}

/**
 * The stack on ports free a moment before: another process (an outgoing connection of a service
 * starting beside it) may take one meanwhile. A failed start stops what it started, so it is
 * tried again on other ports.
 */
async function startStackOnFreePorts(stateDir: string, catalogDatabase: string): Promise<StackInfo> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startStack({ stateDir, ports: await freeStackPorts(false), catalogDatabase, persistentTemporal: false });
    } catch (err) {
      if (!(err instanceof PortInUseError) || attempt === 3) throw err;
      console.log(`# ${err.message}: starting the stack again on other ports`);
    }
  }
}

/** Every `*.test.js` under a folder, or the file itself. */
function testFilesUnder(target: string): string[] {
  if (!statSync(target).isDirectory()) return [target];
  return readdirSync(target, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.js'))
    .map((f) => join(target, f))
    .sort();
}

interface FileRun {
  label: string;
  code: number;
  ms: number;
  counts: Record<'tests' | 'pass' | 'fail', number>;
  /** The reporter's closing list of failing tests, without stack frames. */
  failures?: string;
}

async function runInLanes(
  stack: StackInfo,
  distTest: string,
  unitFiles: string[],
  integrationFiles: string[],
  lanes: Lane[],
  jobs: number,
): Promise<number> {
  const durations = readDurations();
  const labelOf = (file: string) => relative(distTest, file);
  // Longest first, by the last run's times, so the slowest file does not start last.
  const lastTime = (file: string) => durations[labelOf(file)] ?? Number.MAX_SAFE_INTEGER;
  const queue = [...integrationFiles].sort((a, b) => lastTime(b) - lastTime(a));
  const results: FileRun[] = [];
  const started = Date.now();
  console.log(
    `# ${integrationFiles.length} integration files in lanes of their own, ${jobs} at a time${unitFiles.length ? `, beside ${unitFiles.length} unit files` : ''}`,
  );
  const unitRun = unitFiles.length ? runTestFiles('unit tests', unitFiles, { [STACK_ENV]: join(stack.stateDir, 'stack.json') }) : undefined;
  const worker = async () => {
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
      const label = labelOf(file);
      let lane: Lane;
      try {
        lane = await prepareLane(stack, laneName(relative(join(distTest, 'integration'), file)));
      } catch (err) {
        console.log(`# ✖ ${label}: its lane could not be prepared: ${err instanceof Error ? err.message : String(err)}`);
        results.push(notRun(label));
        continue;
      }
      lanes.push(lane);
      results.push(await runTestFiles(label, [file], { [STACK_ENV]: lane.stackFile, PITR_RESTORE_DIR: join(lane.stateDir, 'restores') }));
    }
  };
  // The whole run's ceiling, well inside CI's limit: what has not started by then does not, and what runs is stopped.
  const ceiling = setTimeout(() => {
    console.log(`# the run exceeded its ${seconds(RUN_TIMEOUT_MS)} ceiling; stopping ${running.size} files, skipping ${queue.length}`);
    for (const file of queue.splice(0)) results.push(notRun(labelOf(file)));
    for (const child of running) stopGroup(child, 'SIGKILL');
  }, RUN_TIMEOUT_MS);
  await Promise.all(Array.from({ length: jobs }, worker));
  clearTimeout(ceiling);
  if (unitRun) results.push(await unitRun);
  // A file that never ran keeps its last time: it is not the quickest.
  writeDurations({ ...durations, ...Object.fromEntries(results.filter((r) => r.ms > 0).map((r) => [r.label, r.ms])) });
  return summarize(results, Date.now() - started);
}

/** A file that did not run (its lane failed, or the run's ceiling came first): a failure of its own. */
const notRun = (label: string): FileRun => ({ label, code: 1, ms: 0, counts: { tests: 0, pass: 0, fail: 1 } });

/** PITR_TEST_JOBS, or twice the cores and at least four: files mostly wait on their servers. */
function testJobs(): number {
  const set = process.env.PITR_TEST_JOBS;
  if (set === undefined) return Math.max(4, availableParallelism() * 2);
  const jobs = Number(set);
  if (!Number.isInteger(jobs) || jobs < 1) {
    throw new InvalidInputError(
      `PITR_TEST_JOBS=${JSON.stringify(set)} is not a number of files to run at once: set a whole number of 1 or more, or unset it`,
    );
  }
  return jobs;
}

const running = new Set<ChildProcess>();

function stopGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // Already gone.
  }
}

/**
 * No test takes this long; one that does is stuck, and fails instead of holding up the run. Node's
 * runner applies it to each file as a whole too, so it leaves room for a long file on a busy machine.
 */
const TEST_TIMEOUT_MS = 20 * 60_000;
/** The whole run's ceiling, and a file's, well inside CI's limit: a hang still ends with a report and a teardown. */
const RUN_TIMEOUT_MS = Number(process.env.PITR_TEST_RUN_TIMEOUT_MS ?? 60 * 60_000);
const FILE_TIMEOUT_MS = Number(process.env.PITR_TEST_FILE_TIMEOUT_MS ?? 25 * 60_000);

/**
 * One `node --test` run over `files`, its output held and printed whole when it ends, so the
 * reports of files running at once do not interleave.
 */
function runTestFiles(label: string, files: string[], env: Record<string, string>): Promise<FileRun> {
  return new Promise((resolvePromise) => {
    const started = Date.now();
    // A file whose tests are done exits even if something it started still holds the event loop.
    // Unit files run a few at once: some wait on a dev server more than they compute.
    const args = [
      '--test',
      '--test-reporter=spec',
      `--test-concurrency=${availableParallelism() + 1}`,
      `--test-timeout=${TEST_TIMEOUT_MS}`,
      '--test-force-exit',
      '--enable-source-maps',
    ];
    // Its own process group, so stopping it stops the test files it runs and what they started.
    const child = spawn(process.execPath, [...args, ...files], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      env: { PITR_LOG_LEVEL: 'WARN', ...process.env, ...env },
    });
    running.add(child);
    const output: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk));
    const watchdog = setTimeout(() => {
      output.push(Buffer.from(`# ${label} exceeded its ${seconds(FILE_TIMEOUT_MS)} ceiling; stopped\n`));
      stopGroup(child, 'SIGKILL');
    }, FILE_TIMEOUT_MS);
    child.on('close', (exitCode, signal) => {
      clearTimeout(watchdog);
      running.delete(child);
      const ms = Date.now() - started;
      const text = Buffer.concat(output).toString('utf8');
      const code = exitCode ?? (signal ? 1 : 0);
      console.log(`\n# ── ${label} ── ${code === 0 ? 'ok' : 'FAILED'} in ${seconds(ms)}\n${text.trimEnd()}`);
      resolvePromise({
        label,
        code,
        ms,
        counts: { tests: count(text, 'tests'), pass: count(text, 'pass'), fail: count(text, 'fail') },
        failures: failingTestsOf(text),
      });
    });
  });
}

const count = (report: string, what: string): number =>
  [...report.matchAll(new RegExp(`^ℹ ${what} (\\d+)$`, 'gm'))].reduce((sum, m) => sum + Number(m[1]), 0);

const FAILURE_LINES = 60;

/**
 * What failed and why, from the spec reporter's closing list, printed again under the summary: a
 * log kept only by its tail (a CI page) still says which assertion failed.
 */
function failingTestsOf(report: string): string | undefined {
  const start = report.lastIndexOf('✖ failing tests:');
  if (start < 0) return undefined;
  const lines = report
    .slice(start)
    .split('\n')
    .slice(1)
    .filter((line) => line.trim() !== '' && !/^\s+at /.test(line));
  const kept = lines.slice(0, FAILURE_LINES);
  if (lines.length > kept.length) kept.push(`… ${lines.length - kept.length} more lines in the report above`);
  return kept.join('\n');
}

function summarize(results: FileRun[], ms: number): number {
  const total = (k: keyof FileRun['counts']) => results.reduce((sum, r) => sum + r.counts[k], 0);
  const failed = results.filter((r) => r.code !== 0);
  // A file that failed without a failing test (it crashed, or hit its ceiling) still counts one.
  for (const r of failed) r.counts.fail = Math.max(r.counts.fail, 1);
  console.log(
    `\n# ── summary ── ${results.length} runs, ${total('tests')} tests, ${total('pass')} passed, ${total('fail')} failed, in ${seconds(ms)}`,
  );
  console.log('# slowest:');
  for (const r of [...results].sort((a, b) => b.ms - a.ms).slice(0, 8)) console.log(`#   ${seconds(r.ms).padStart(7)}  ${r.label}`);
  for (const r of failed) {
    console.log(`# ✖ ${r.label} (exit ${r.code}; its report is above)`);
    if (r.failures) console.log(r.failures.replace(/^/gm, '#     '));
  }
  console.log(`tests: ${total('pass')} passed, ${total('fail')} failed`);
  return failed.length === 0 ? 0 : 1;
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** The last run's time per file, kept beside the toolchain (outside the repository). */
const durationsFile = (): string => join(cacheDir(), 'test-durations.json');

function readDurations(): Record<string, number> {
  try {
    return JSON.parse(readFileSync(durationsFile(), 'utf8')) as Record<string, number>;
  } catch {
    return {};
  }
}

function writeDurations(durations: Record<string, number>): void {
  try {
    mkdirSync(dirname(durationsFile()), { recursive: true });
    writeFileSync(durationsFile(), `${JSON.stringify(durations, null, 1)}\n`);
  } catch {
    // Only an ordering aid.
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    // Bad input says what to do; anything else is the harness's own bug, with its stack.
    console.error(err instanceof InvalidInputError ? `pitr test: ${err.message}` : err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
