import assert from 'node:assert/strict';
import { test } from 'node:test';
import { artifactKey } from '../../../adapters/storage/layout';
import { restoreWorkflowId } from '../../../client/restore/request';
import { scheduleId } from '../../../client/schedule/schedules';
import { backupWorkflowId } from '../../../domain/backup';
import { agentTaskQueue, legacyAgentTaskQueue } from '../../../domain/task-queues';

const at = new Date('2026-11-27T02:00:00.250Z');

/** Every id of one to three characters over a, 1, '-' and '.', starting as registered ids do: the separators the old names used. */
function ids(): string[] {
  const chars = ['a', '1', '-', '.'];
  let level = ['a', '1'];
  const all = [...level];
  for (let length = 2; length <= 3; length++) {
    level = level.flatMap((prefix) => chars.map((c) => prefix + c));
    all.push(...level);
  }
  return all;
}

const pairs = ids().flatMap((tenantId) => ids().map((clusterId) => ({ tenantId, clusterId })));

test('the pair from the audit gets two agent queues, two backup ids and two schedules', () => {
  const [ab, a] = [
    { t: 'a-b', c: 'c' },
    { t: 'a', c: 'b-c' },
  ];
  assert.notEqual(agentTaskQueue(ab.t, ab.c), agentTaskQueue(a.t, a.c));
  assert.notEqual(backupWorkflowId(ab.t, ab.c, at), backupWorkflowId(a.t, a.c, at));
  assert.notEqual(scheduleId('backup', ab.t, ab.c), scheduleId('backup', a.t, a.c));
  assert.equal(agentTaskQueue('acme', 'orders'), 'pitr-agent.4-acme-orders');
  assert.equal(backupWorkflowId('acme', 'orders', at), 'backup.4-acme-orders-2026-11-27T02:00:00Z');
});

test('no two tenant/cluster pairs share an agent queue, a backup id, a schedule or a restore of one idempotency key', () => {
  for (const name of [
    ({ tenantId, clusterId }: (typeof pairs)[number]) => agentTaskQueue(tenantId, clusterId),
    ({ tenantId, clusterId }: (typeof pairs)[number]) => backupWorkflowId(tenantId, clusterId, at),
    ({ tenantId, clusterId }: (typeof pairs)[number]) => scheduleId('archive', tenantId, clusterId),
    ({ tenantId, clusterId }: (typeof pairs)[number]) => restoreWorkflowId(tenantId, clusterId, 'INC-42'),
  ]) {
    const owners = new Map<string, string>();
    for (const pair of pairs) {
      const previous = owners.get(name(pair));
      assert.equal(previous, undefined, `${name(pair)} names both ${previous} and ${pair.tenantId}/${pair.clusterId}`);
      owners.set(name(pair), `${pair.tenantId}/${pair.clusterId}`);
    }
  }
});

test('no new name equals a name of the earlier cluster-only or dash-joined scheme, which old agents and schedules still use', () => {
  const legacyQueues = new Set(ids().map(legacyAgentTaskQueue));
  const legacyBackupIds = new Set(pairs.map((p) => `backup-${p.tenantId}-${p.clusterId}-2026-11-27T02:00:00Z`));
  for (const { tenantId, clusterId } of pairs) {
    assert.equal(legacyQueues.has(agentTaskQueue(tenantId, clusterId)), false, agentTaskQueue(tenantId, clusterId));
    assert.equal(legacyBackupIds.has(backupWorkflowId(tenantId, clusterId, at)), false, backupWorkflowId(tenantId, clusterId, at));
  }
});

test('a scheduled backup run has the id a backup started by hand at that second has', () => {
  // Temporal names a schedule's run after the schedule: its id, '-', the scheduled time in RFC 3339.
  assert.equal(`${scheduleId('backup', 'a-b', 'c')}-2026-11-27T02:00:00Z`, backupWorkflowId('a-b', 'c', at));
});

test('a backup id stays in the object-key alphabet, so its artifact can be named after it', () => {
  const ref = { tenantId: 'acme_eu.2', clusterId: 'orders-db.1', engine: 'clone' as const };
  assert.equal(
    artifactKey('pitr/', { ...ref, backupId: backupWorkflowId(ref.tenantId, ref.clusterId, at) }),
    'pitr/tenants/acme_eu.2/clusters/orders-db.1/backups/backup.9-acme_eu.2-orders-db.1-2026-11-27T020000Z/base.pitr',
  );
});
