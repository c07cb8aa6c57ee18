import assert from 'node:assert/strict';
import { decodePendingActivityState, type WorkflowHandle } from '@temporalio/client';
import { decodeTimeoutType, defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** A pending activity a worker has taken: the process that took it is inside it now. */
export function isRunning(activityType: string) {
  return (a: temporal.api.workflow.v1.IPendingActivityInfo): boolean =>
    a.activityType?.name === activityType && decodePendingActivityState(a.state) === 'STARTED';
}

/** A running upload whose heartbeat names parts the store acknowledged: a resumed attempt skips those. */
export function isUploadingPastFirstPart(activityType: string) {
  const running = isRunning(activityType);
  return (a: temporal.api.workflow.v1.IPendingActivityInfo): boolean => {
    const payload = a.heartbeatDetails?.payloads?.[0];
    if (!running(a) || !payload) return false;
    const details = defaultPayloadConverter.fromPayload<{ upload?: { parts?: unknown[] } }>(payload);
    return (details.upload?.parts?.length ?? 0) > 0;
  };
}

/**
 * The attempt that ran `activityType` to completion, and what ended the one before it: a crashed
 * worker's attempt ends by heartbeat timeout, seen in history as the next attempt's last failure.
 */
export async function finalAttempt(
  handle: WorkflowHandle,
  activityType: string,
): Promise<{ attempt: number; afterHeartbeatTimeout: boolean; lastFailure: string | undefined }> {
  const events: HistoryEvent[] = (await handle.fetchHistory()).events ?? [];
  const scheduled = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === activityType);
  assert.ok(scheduled, `${activityType} was scheduled`);
  const started = events.find((e) => String(e.activityTaskStartedEventAttributes?.scheduledEventId) === String(scheduled.eventId));
  const attributes = started?.activityTaskStartedEventAttributes;
  assert.ok(attributes, `${activityType} was started`);
  return {
    attempt: attributes.attempt ?? 1,
    afterHeartbeatTimeout: decodeTimeoutType(attributes.lastFailure?.timeoutFailureInfo?.timeoutType) === 'HEARTBEAT',
    lastFailure: attributes.lastFailure?.message ?? undefined,
  };
}

/** What every completed run of `activityType` returned, in history order. */
export async function activityResults<T>(handle: WorkflowHandle, activityType: string): Promise<T[]> {
  const events: HistoryEvent[] = (await handle.fetchHistory()).events ?? [];
  const scheduledIds = new Set(
    events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === activityType).map((e) => String(e.eventId)),
  );
  const results: T[] = [];
  for (const e of events) {
    const done = e.activityTaskCompletedEventAttributes;
    const payload = done?.result?.payloads?.[0];
    if (done && payload && scheduledIds.has(String(done.scheduledEventId))) results.push(defaultPayloadConverter.fromPayload<T>(payload));
  }
  return results;
}
