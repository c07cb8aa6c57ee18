import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import type { CentralConfig } from '../../../adapters/config/config';
import { testStack } from '../../harness/env';

export interface TestHost {
  id: string;
  dir: string;
  config: string;
}

/** The stack's central configuration, as a restore host with a folder and an id of its own (run it with `withRestoreHosts`). */
export function testRestoreHost(name: string, settings: Omit<NonNullable<CentralConfig['restoreHost']>, 'id' | 'dir'> = {}): TestHost {
  const stack = testStack();
  const host = {
    id: `test-${name}-${process.pid}`,
    dir: join(stack.stateDir, `restore-host-${name}-${process.pid}`),
    config: join(stack.stateDir, `restore-host-${name}-${process.pid}.json`),
  };
  const central = JSON.parse(readFileSync(stack.configs.central, 'utf8')) as object;
  writeFileSync(host.config, JSON.stringify({ ...central, restoreHost: { id: host.id, dir: host.dir, sweepSeconds: 5, ...settings } }));
  return host;
}

/**
 * The queue the restore's claim was sent to (its release's), the workers that started its steps
 * after the claim, and the queues those were sent to.
 */
export async function hostStepsOf(
  handle: WorkflowHandle,
): Promise<{ claimQueues: Set<string>; identities: Set<string>; queues: Set<string>; types: string[] }> {
  const history = await handle.fetchHistory();
  const scheduled = new Map<string, { type: string; queue: string }>();
  const claimQueues = new Set<string>();
  const identities = new Set<string>();
  const queues = new Set<string>();
  const types: string[] = [];
  for (const event of history.events ?? []) {
    const s = event.activityTaskScheduledEventAttributes;
    if (s) scheduled.set(String(event.eventId), { type: s.activityType?.name ?? '', queue: s.taskQueue?.name ?? '' });
    if (s?.activityType?.name === 'claimRestoreHost') claimQueues.add(s.taskQueue?.name ?? '');
    const started = event.activityTaskStartedEventAttributes;
    const step = started ? scheduled.get(String(started.scheduledEventId)) : undefined;
    if (started && step?.queue.startsWith('pitr-restore-host-')) {
      identities.add(started.identity ?? '');
      queues.add(step.queue);
      types.push(step.type);
    }
  }
  return { claimQueues, identities, queues, types };
}
