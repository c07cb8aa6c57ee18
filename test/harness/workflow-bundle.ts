import { readFileSync, writeFileSync } from 'node:fs';
import { bundleWorkflowCode, Runtime, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { ensureRuntime } from '../../workers/runtime';

/** Where the harness leaves the bundle it built for the run: every test file's workers load it instead of bundling again. */
export const WORKFLOW_BUNDLE_ENV = 'PITR_TEST_WORKFLOW_BUNDLE';

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/** The product's workflows bundled: the run's bundle when the harness built one, else built once per test process. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  ensureRuntime();
  const built = process.env[WORKFLOW_BUNDLE_ENV];
  return (bundle ??= built
    ? Promise.resolve(JSON.parse(readFileSync(built, 'utf8')) as WorkflowBundleWithSourceMap)
    : bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: Runtime.instance().logger }));
}

/** Bundles the workflows once for a whole run, into `file`. */
export async function writeWorkflowBundle(file: string): Promise<void> {
  writeFileSync(file, JSON.stringify(await workflowBundle()));
}
