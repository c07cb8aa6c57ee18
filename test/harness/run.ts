import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freeStackPorts, startStack, stopStack } from '../../activities/local/stack';
import { stopEveryPidFileUnder } from '../../activities/local/process';
import { STACK_ENV } from './env';

/**
 * Runs the test suite: starts the real stack once on free ports, runs node's test runner
 * with its address in the environment, and tears everything down whatever happened.
 * `--unit` runs the unit tests alone, without the stack. Other arguments name test files
 * or folders (default: all of dist/test/unit and dist/test/integration).
 */
async function main(argv: string[]): Promise<number> {
  // The SDK version is pinned by the lockfile; its notice about future Node versions is noise here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const unitOnly = argv.includes('--unit');
  const distTest = resolve(__dirname, '..');
  const named = argv.filter((a) => !a.startsWith('--'));
  const defaults = unitOnly ? ['unit'] : ['unit', 'integration'];
  const targets = named.length > 0 ? named : defaults.map((d) => join(distTest, d)).filter(existsSync);
  if (unitOnly) return runNodeTest(targets, {});

  const stateDir = mkdtempSync(join(tmpdir(), 'pitr-test-'));
  const database = `pitr_test_${process.pid}`;
  let stopping: Promise<void> | undefined;
  const teardown = (): Promise<void> =>
    (stopping ??= (async () => {
      // Every server a test started under the state folder: fresh instances, restored ones a
      // failed test never released, the stack's own services.
      await stopEveryPidFileUnder(stateDir).catch((err) => console.error('teardown:', err));
      await stopStack(stateDir, { dropCatalog: true }).catch((err) => console.error('teardown:', err));
      rmSync(stateDir, { recursive: true, force: true });
    })());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      if (runningTests) stopGroup(runningTests, 'SIGTERM');
      void teardown().then(() => process.exit(130));
    });
  }
  try {
    const started = Date.now();
    await startStack({ stateDir, ports: await freeStackPorts(false), catalogDatabase: database, persistentTemporal: false });
    console.log(`# real stack up in ${((Date.now() - started) / 1000).toFixed(1)}s (${stateDir})`);
    return await runNodeTest(targets, { [STACK_ENV]: join(stateDir, 'stack.json') });
  } finally {
    await teardown();
  }
}

let runningTests: ChildProcess | undefined;

function stopGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // Already gone.
  }
}

/** No single test takes this long; one that does is stuck, and fails instead of holding up the run. */
const TEST_TIMEOUT_MS = 10 * 60_000;
/** The whole run's ceiling, well inside CI's limit, so a hang still ends with a report and a teardown. */
const RUN_TIMEOUT_MS = Number(process.env.PITR_TEST_RUN_TIMEOUT_MS ?? 50 * 60_000);

function runNodeTest(targets: string[], env: Record<string, string>): Promise<number> {
  return new Promise((resolvePromise) => {
    // One test file at a time: files share the stack's central task queue. A file whose tests are
    // done exits even if something it started still holds the event loop.
    const args = ['--test', '--test-reporter=spec', '--test-concurrency=1', `--test-timeout=${TEST_TIMEOUT_MS}`, '--test-force-exit', '--enable-source-maps'];
    // Its own process group, so stopping it stops the test files it runs and what they started.
    const child = (runningTests = spawn(process.execPath, [...args, ...targets], {
      stdio: 'inherit',
      detached: true,
      env: { PITR_LOG_LEVEL: 'WARN', ...process.env, ...env },
    }));
    const watchdog = setTimeout(() => {
      console.error(`# the test run exceeded its ${Math.round(RUN_TIMEOUT_MS / 1000)} s ceiling; stopping it`);
      stopGroup(child, 'SIGKILL');
    }, RUN_TIMEOUT_MS);
    child.on('exit', (code, signal) => {
      clearTimeout(watchdog);
      resolvePromise(code ?? (signal ? 1 : 0));
    });
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.stack ?? err.message : err);
    process.exit(1);
  },
);
