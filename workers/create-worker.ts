import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { ensureRuntime } from './runtime';

export interface WorkerSpec {
  address: string;
  namespace: string;
  taskQueue: string;
  activities: object;
  /** A pre-built bundle (tests build it once); otherwise the workflows are bundled now. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Poll for activity tasks only (agents run no workflow code). */
  activitiesOnly?: boolean;
  interceptors?: WorkerOptions['interceptors'];
  maxConcurrentActivityTaskExecutions?: number;
}

export async function createWorker(spec: WorkerSpec): Promise<{ worker: Worker; connection: NativeConnection }> {
  ensureRuntime();
  const connection = await NativeConnection.connect({ address: spec.address });
  const worker = await Worker.create({
    connection,
    namespace: spec.namespace,
    taskQueue: spec.taskQueue,
    activities: spec.activities,
    ...(spec.interceptors ? { interceptors: spec.interceptors } : {}),
    ...(spec.maxConcurrentActivityTaskExecutions ? { maxConcurrentActivityTaskExecutions: spec.maxConcurrentActivityTaskExecutions } : {}),
    ...(spec.activitiesOnly
      ? {}
      : spec.workflowBundle
        ? { workflowBundle: spec.workflowBundle }
        : { workflowsPath: require.resolve('../workflows') }),
  });
  return { worker, connection };
}

export interface RunningWorkers {
  workers: Worker[];
  /** Resolves when every worker has stopped; `shutdown()` asks them to. */
  run(): Promise<void>;
  shutdown(): void;
  close(): Promise<void>;
}

/** Workers of one host run, stop and close together; `release` frees what they shared, after their connections. */
export function runningWorkers(
  created: Array<{ worker: Worker; connection: NativeConnection }>,
  release?: () => Promise<void>,
): RunningWorkers {
  const workers = created.map((c) => c.worker);
  return {
    workers,
    run: async () => {
      await Promise.all(workers.map((w) => w.run()));
    },
    shutdown: () => {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
    },
    close: async () => {
      await Promise.all(created.map((c) => c.connection.close()));
      await release?.();
    },
  };
}
