import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyObjects, classifyUploads, type Ownership } from '../../../client/repo/classify';
import { inScope, placeOf, scopePrefix } from '../../../adapters/storage/layout';

const now = new Date('2026-11-27T12:00:00Z');
const hoursAgo = (h: number) => new Date(now.getTime() - h * 3600_000);
const object = (key: string, ageHours: number) => ({ key, size: 1, etag: '"e"', lastModified: hoursAgo(ageHours) });
const grace = { now, minAgeMs: 6 * 3600_000 };

test('keys are placed in the product layout under the prefix; anything else is foreign', () => {
  assert.deepEqual(placeOf('v2/', 'v2/tenants/acme/clusters/orders/backups/b1/base.pitr'), {
    area: 'tenant',
    tenantId: 'acme',
    clusterId: 'orders',
  });
  assert.deepEqual(placeOf('v2/', 'v2/tenants/acme/stray'), { area: 'tenant', tenantId: 'acme', clusterId: undefined });
  assert.deepEqual(placeOf('v2/', 'v2/keys/acme.json'), { area: 'key-record', tenantId: 'acme' });
  assert.deepEqual(placeOf('v2/', 'v2/failed/tenants/acme/x'), { area: 'quarantine' });
  assert.deepEqual(placeOf('v2/', 'v2/keys/acme.json.bak'), { area: 'foreign' });
  assert.deepEqual(placeOf('v2/', 'legacy/acme/dump.sql'), { area: 'foreign' });
  assert.deepEqual(placeOf('', 'legacy/acme/dump.sql'), { area: 'foreign' });
  assert.deepEqual(placeOf('', 'tenants/acme/clusters/c/binlogs/s/binlog.000001'), { area: 'tenant', tenantId: 'acme', clusterId: 'c' });
  assert.equal(scopePrefix('v2/', {}), 'v2/');
  assert.equal(scopePrefix('v2/', { tenantId: 'acme' }), 'v2/tenants/acme/');
  assert.equal(scopePrefix('v2/', { tenantId: 'acme', clusterId: 'orders' }), 'v2/tenants/acme/clusters/orders/');
  assert.equal(inScope(placeOf('v2/', 'v2/keys/acme.json'), { tenantId: 'acme', clusterId: 'orders' }), true);
  assert.equal(inScope(placeOf('v2/', 'v2/tenants/acme/clusters/other/x/y'), { tenantId: 'acme', clusterId: 'orders' }), false);
});

test('an object is an orphan only when unowned, in the tenant area, and older than the grace period', () => {
  const owners: Ownership[] = [
    { key: 'tenants/acme/clusters/c/backups/b1/base.pitr', owner: 'backup b1 artifact', required: true },
    { key: 'tenants/acme/clusters/c/backups/b1/base.pitr.manifest.json', owner: 'backup b1 manifest', required: true },
    { key: 'tenants/acme/clusters/c/binlogs/s/binlog.000002', owner: 'binlog 2', required: true },
    { key: 'tenants/acme/clusters/c/backups/b0/base.pitr', owner: 'expired backup b0', required: false },
  ];
  const elsewhere: Ownership = {
    key: 'v1/tenants/acme/clusters/c/backups/b9/base.pitr',
    owner: 'backup b9 under the old prefix',
    required: true,
  };
  const objects = [
    object('tenants/acme/clusters/c/backups/b1/base.pitr', 30),
    object('tenants/acme/clusters/c/backups/b1/base.pitr.manifest.json', 30),
    object('tenants/acme/clusters/c/backups/crashed/base.pitr', 7),
    object('tenants/acme/clusters/c/backups/running/base.pitr', 1),
    object('keys/acme.json', 100),
    object('failed/tenants/acme/clusters/c/backups/bad/base.pitr', 50),
    object('legacy/acme/dump.sql.gz', 500),
    object('tenants/acme/old-system/binlog.000001', 500),
  ];
  const result = classifyObjects({ prefix: '', objects, owners, protectedPrefixes: ['tenants/acme/old-system/'], grace });
  assert.deepEqual(classifyObjects({ prefix: 'v2/', objects: [], owners: [elsewhere], protectedPrefixes: [], grace }).missing, []);
  assert.deepEqual(
    result.orphans.map((o) => o.key),
    ['tenants/acme/clusters/c/backups/crashed/base.pitr'],
  );
  assert.deepEqual(
    result.inGrace.map((o) => o.key),
    ['tenants/acme/clusters/c/backups/running/base.pitr'],
  );
  assert.deepEqual(
    result.quarantined.map((o) => o.key),
    ['failed/tenants/acme/clusters/c/backups/bad/base.pitr'],
  );
  assert.deepEqual(
    result.foreign.map((o) => o.key),
    ['legacy/acme/dump.sql.gz', 'tenants/acme/old-system/binlog.000001'],
  );
  assert.equal(result.owned, 3);
  // b0 is gone by design (not required); binlog 2 should be there and is not.
  assert.deepEqual(
    result.missing.map((m) => m.owner),
    ['binlog 2'],
  );
});

test('with no grace every unowned object in the tenant area is an orphan', () => {
  const result = classifyObjects({
    prefix: 'v2/',
    objects: [object('v2/tenants/a/clusters/c/x/y', 0)],
    owners: [],
    protectedPrefixes: [],
    grace: { now, minAgeMs: 0 },
  });
  assert.equal(result.orphans.length, 1);
});

test('multipart uploads older than the grace period are stale; young, undated and foreign ones are left alone', () => {
  const uploads = [
    { key: 'v2/tenants/a/clusters/c/backups/b/base.pitr', uploadId: 'old', initiated: hoursAgo(8) },
    { key: 'v2/tenants/a/clusters/c/backups/b2/base.pitr', uploadId: 'young', initiated: hoursAgo(2) },
    { key: 'v2/tenants/a/clusters/c/backups/b3/base.pitr', uploadId: 'undated', initiated: undefined },
    { key: 'legacy/x', uploadId: 'theirs', initiated: hoursAgo(100) },
  ];
  const result = classifyUploads('v2/', uploads, [], grace);
  assert.deepEqual(
    result.stale.map((u) => u.uploadId),
    ['old'],
  );
  assert.deepEqual(
    result.inFlight.map((u) => u.uploadId),
    ['young', 'undated'],
  );
});
