import assert from 'node:assert/strict';
import { test } from 'node:test';
import { temporal } from '@temporalio/proto';
import { LIVE_POLL_MS, queuePollers } from '../../../activities/agent-queue/pollers';

const now = new Date('2026-12-04T13:00:00.000Z');
const polledAgo = (ms: number, identity = 'agent@db1') => {
  const at = now.getTime() - ms;
  return temporal.api.taskqueue.v1.PollerInfo.fromObject({
    identity,
    lastAccessTime: { seconds: Math.floor(at / 1000), nanos: (at % 1000) * 1e6 },
  });
};

test('a queue the server lists no poller for is not polled', () => {
  assert.deepEqual(queuePollers([], now), { polled: false, lastPollAt: undefined });
});

test('an idle agent, whose long poll the server stamps once a minute, is polling', () => {
  assert.deepEqual(queuePollers([polledAgo(61_000)], now), { polled: true, lastPollAt: '2026-12-04T12:58:59.000Z' });
});

test('a poller the server still lists but that has been quiet past the live window is gone; its last poll is kept', () => {
  assert.deepEqual(queuePollers([polledAgo(LIVE_POLL_MS + 1000)], now), { polled: false, lastPollAt: '2026-12-04T12:57:59.000Z' });
});

test('one live poller among gone ones is enough, and the latest poll is the one reported', () => {
  const seen = queuePollers([polledAgo(4 * 60_000, 'old@db1'), polledAgo(5_250, 'new@db2'), polledAgo(3 * 60_000, 'old@db3')], now);
  assert.deepEqual(seen, { polled: true, lastPollAt: '2026-12-04T12:59:54.750Z' });
});
