import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ForeignClusterError, refuseForeignCluster } from '../../../workers/agent-tenancy';

const own = { tenantId: 'acme', clusterId: 'orders' };

test("an activity for the agent's own tenant and cluster passes", () => {
  assert.doesNotThrow(() =>
    refuseForeignCluster('prepareBackup', own, [{ tenantId: 'acme', clusterId: 'orders', backupId: 'b', engine: 'clone' }]),
  );
});

for (const [what, args, asked] of [
  ['another tenant with the same cluster id', [{ tenantId: 'globex', clusterId: 'orders' }], 'tenant globex cluster orders'],
  [
    'another cluster of the same tenant',
    [{ tenantId: 'acme', clusterId: 'billing', file: 'binlog.000002' }],
    'tenant acme cluster billing',
  ],
  ['no ref at all', [], 'a request naming no tenant or cluster'],
  ['a ref without its tenant', [{ clusterId: 'orders' }], 'tenant undefined cluster orders'],
] as const) {
  test(`an activity for ${what} is refused for good, naming both refs`, () => {
    const err = (() => {
      try {
        refuseForeignCluster('surveyBinlogs', own, args);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    assert.ok(err instanceof ForeignClusterError);
    assert.equal(err.terminal, true);
    assert.equal(err.message, `this agent serves tenant acme cluster orders and refused surveyBinlogs for ${asked}`);
  });
}
