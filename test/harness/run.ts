import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freeStackPorts, startStack, stopStack } from '../../activities/local/stack';
import { stopDbInstance } from '../../activities/local/db-instance';
import { STACK_ENV } from './env';
import { INSTANCES_DIR } from './instances';

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
      const instances = join(stateDir, INSTANCES_DIR);
      if (existsSync(instances)) {
        await Promise.all(readdirSync(instances).map((d) => stopDbInstance(join(instances, d))));
      }
      await stopStack(stateDir, { dropCatalog: true }).catch((err) => console.error('teardown:', err));
      rmSync(stateDir, { recursive: true, force: true });
    })());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      runningTests?.kill('SIGTERM');
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

function runNodeTest(targets: string[], env: Record<string, string>): Promise<number> {
  return new Promise((resolvePromise) => {
    // One test file at a time: files share the stack's central task queue.
    const child = (runningTests = spawn(process.execPath, ['--test', '--test-reporter=spec', '--test-concurrency=1', '--enable-source-maps', ...targets], {
      stdio: 'inherit',
      env: { PITR_LOG_LEVEL: 'WARN', ...process.env, ...env },
    }));
    child.on('exit', (code, signal) => resolvePromise(code ?? (signal ? 1 : 0)));
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.stack ?? err.message : err);
    process.exit(1);
  },
);
