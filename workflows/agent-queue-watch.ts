import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { CancellationScope, log, patched, proxyActivities, setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import type { AgentQueueActivities } from '../activities/agent-queue/types';
import { type NoAgentPolling, noAgentPolling } from '../domain/agent-queue';
import { WATCH_TASK_QUEUE } from '../domain/task-queues';
import { PATCHES } from './patches';

/** Set to the agent queue a run waits on while no agent polls it; absent otherwise. */
export const NO_AGENT_POLLING = defineSearchAttributeKey('NoAgentPolling', SearchAttributeType.KEYWORD);

const watcher = proxyActivities<AgentQueueActivities>({
  taskQueue: WATCH_TASK_QUEUE,
  startToCloseTimeout: '2 hours',
  // An attempt left running when its run ends learns it from its next heartbeat.
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
  summary: 'watch whether an agent polls the cluster’s task queue',
});

/**
 * Says, within seconds, that no agent polls the queue a run sends its agent activities to: as
 * the `NoAgentPolling` search attribute, in the run's current details, and to its own queries.
 * An activity of the central worker process (a workflow cannot ask the Temporal server itself)
 * watches the queue's pollers from the first agent call until the run ends and returns only
 * when that changes, so a run whose agent is up pays one scheduled activity and a patch marker.
 */
export class AgentQueueWatch {
  private missing: NoAgentPolling | undefined;
  private text = '';
  private started = false;

  constructor(
    private readonly tenantId: string,
    private readonly clusterId: string,
  ) {}

  /** Starts watching `taskQueue` on the first call; runs recorded before the watch existed never do. */
  watch(taskQueue: string): void {
    if (this.started) return;
    this.started = true;
    if (!patched(PATCHES.watchAgentQueue)) return;
    // Not cancellable: a cancelled run still waits on its agent to clean up.
    void CancellationScope.nonCancellable(() => this.follow(taskQueue));
  }

  /** `activities` whose every completion shows an agent polls: the marker clears then, not at the watcher's next look. */
  agents<T extends object>(activities: T): T {
    return new Proxy(activities, {
      get: (target, name) => {
        const call = Reflect.get(target, name) as (...args: unknown[]) => Promise<unknown>;
        return async (...args: unknown[]) => {
          const result = await call(...args);
          this.show(undefined);
          return result;
        };
      },
    });
  }

  /** The run's current details in the Temporal UI, followed by the missing agent while there is one. */
  details(text: string): void {
    this.text = text;
    this.render();
  }

  get waiting(): NoAgentPolling | undefined {
    return this.missing;
  }

  private async follow(taskQueue: string): Promise<void> {
    let polled = true;
    try {
      for (;;) {
        ({ polled } = await watcher.watchAgentPollers({ taskQueue, polled }));
        this.show(polled ? undefined : noAgentPolling(taskQueue, this.tenantId, this.clusterId));
      }
    } catch (err) {
      // Retried without limit, so only a terminal failure ends here: what it last said is no longer known.
      log.warn('stopped watching the agent queue', { taskQueue, error: err instanceof Error ? err.message : String(err) });
      this.show(undefined);
    }
  }

  private show(missing: NoAgentPolling | undefined): void {
    if (missing?.taskQueue === this.missing?.taskQueue) return;
    this.missing = missing;
    upsertSearchAttributes([{ key: NO_AGENT_POLLING, value: missing ? missing.taskQueue : null }]);
    this.render();
  }

  private render(): void {
    setCurrentDetails([this.text, this.missing ? `**waiting**: ${this.missing.message}` : ''].filter((part) => part !== '').join('\n\n'));
  }
}
