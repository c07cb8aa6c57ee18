import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { after, before } from 'node:test';
import { toolchain } from '../../../adapters/servers/toolchain';
import { SEARCH_ATTRIBUTES } from '../../../devstack/temporal-server';
import { temporalActivities } from '../../../activities/temporal-failure';
import { ensureRuntime } from '../../../workers/runtime';
import { workflowBundle } from '../../harness/workflow-bundle';

/**
 * The product's workflows against stubbed activities on a Temporal dev server of the file's own
 * (the CLI the toolchain builds; the SDK's time-skipping server is a download this machine
 * cannot make). Timers run in real time, so the stubs and inputs keep them short. Activities go
 * through the same failure wrapper as the real workers, so terminal or transient is decided as
 * in production: by the error's type.
 */
export interface WorkflowTestBed {
  env: TestWorkflowEnvironment;
  /** A worker on `taskQueue` running `activities` (and the product's workflows when asked), until the file ends. */
  worker(taskQueue: string, activities: object, options?: { workflows?: boolean }): Promise<void>;
}

export function workflowTestBed(): () => WorkflowTestBed {
  let bed: WorkflowTestBed | undefined;
  const stops: Array<() => Promise<void>> = [];
  before(async () => {
    // The failures these tests provoke would each be logged as a warning.
    process.env.PITR_LOG_LEVEL = 'ERROR';
    ensureRuntime();
    const [env, bundle] = await Promise.all([
      TestWorkflowEnvironment.createLocal({
        server: {
          executable: { type: 'existing-path', path: toolchain().temporal },
          extraArgs: Object.entries(SEARCH_ATTRIBUTES).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]),
        },
      }),
      workflowBundle(),
    ]);
    bed = {
      env,
      worker: async (taskQueue, activities, options = {}) => {
        const worker = await Worker.create({
          connection: env.nativeConnection,
          namespace: env.namespace ?? 'default',
          taskQueue,
          activities: temporalActivities(activities),
          // A cancelled activity learns it from its next heartbeat; unthrottled, that is within a second.
          maxHeartbeatThrottleInterval: '500 ms',
          defaultHeartbeatThrottleInterval: '500 ms',
          ...(options.workflows ? { workflowBundle: bundle } : {}),
        });
        const running = worker.run();
        stops.push(async () => {
          if (worker.getState() === 'RUNNING') worker.shutdown();
          await running;
        });
      },
    };
  });
  after(async () => {
    await Promise.all(stops.map((stop) => stop()));
    await bed?.env.teardown();
  });
  return () => {
    if (!bed) throw new Error('the workflow test bed starts in before(): use it inside a test');
    return bed;
  };
}

/** Calls of each stubbed activity, in order, with their first argument. */
export class Calls {
  readonly log: Array<{ name: string; input: unknown }> = [];

  record(name: string, input: unknown): void {
    this.log.push({ name, input });
  }

  count(name: string): number {
    return this.log.filter((c) => c.name === name).length;
  }

  names(): string[] {
    return this.log.map((c) => c.name);
  }

  inputOf<T>(name: string): T | undefined {
    return this.log.find((c) => c.name === name)?.input as T | undefined;
  }
}
