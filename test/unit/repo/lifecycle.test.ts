import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LifecycleRule } from '@aws-sdk/client-s3';
import { lifecycleWarnings, prefixesOverlap } from '../../../client/repo/lifecycle';

const expireAfter = (id: string, filter: LifecycleRule['Filter'], status: 'Enabled' | 'Disabled' = 'Enabled'): LifecycleRule => ({
  ID: id,
  Status: status,
  Filter: filter,
  Expiration: { Days: 30 },
});

test('a rule overlaps the product prefix when either prefix contains the other; the empty prefix overlaps everything', () => {
  assert.equal(prefixesOverlap('', 'v2/'), true);
  assert.equal(prefixesOverlap('v2/', ''), true);
  assert.equal(prefixesOverlap('v2/tenants/acme/', 'v2/'), true);
  assert.equal(prefixesOverlap('v', 'v2/'), true);
  assert.equal(prefixesOverlap('v2/', 'v2/'), true);
  assert.equal(prefixesOverlap('legacy/', 'v2/'), false);
  assert.equal(prefixesOverlap('v20/', 'v2/'), false);
});

test('every enabled expiring rule over the prefix is reported with what it does; others are not', () => {
  const rules: LifecycleRule[] = [
    expireAfter('whole-bucket', {}),
    expireAfter('one-tenant', { Prefix: 'v2/tenants/acme/' }),
    expireAfter('legacy-only', { Prefix: 'legacy/' }),
    expireAfter('switched-off', { Prefix: 'v2/' }, 'Disabled'),
    { ID: 'tiering', Status: 'Enabled', Filter: { Prefix: 'v2/' }, Transitions: [{ Days: 30, StorageClass: 'STANDARD_IA' }] },
    {
      ID: 'old-versions',
      Status: 'Enabled',
      Filter: { And: { Prefix: 'v2/', Tags: [{ Key: 'k', Value: 'v' }] } },
      NoncurrentVersionExpiration: { NoncurrentDays: 7 },
    },
    { ID: 'uploads', Status: 'Enabled', Prefix: '', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 2 } },
    { ID: 'glacier', Status: 'Enabled', Filter: { Prefix: 'v2/' }, Transitions: [{ Days: 90, StorageClass: 'GLACIER' }] },
  ];
  const warnings = lifecycleWarnings(rules, 'v2/');
  assert.deepEqual(
    warnings.map((w) => w.ruleId),
    ['whole-bucket', 'one-tenant', 'old-versions', 'uploads', 'glacier'],
  );
  assert.deepEqual(warnings[0], {
    ruleId: 'whole-bucket',
    rulePrefix: '',
    actions: ['deletes objects 30 days after they are written'],
    narrowed: false,
  });
  assert.equal(warnings[2]!.narrowed, true);
  assert.equal(warnings[2]!.rulePrefix, 'v2/');
  assert.deepEqual(warnings[3]!.actions, ['aborts multipart uploads 2 days after they start']);
  assert.match(warnings[4]!.actions[0]!, /GLACIER 90 days after/);
});

test('a rule without an id is named by its position', () => {
  const [warning] = lifecycleWarnings([{ Status: 'Enabled', Expiration: { Days: 1 } } as LifecycleRule], '');
  assert.equal(warning!.ruleId, '#1');
});
