import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidInputError } from '../../../domain/errors';
import { backupWorkflowId } from '../../../domain/backup';
import { ManifestInvalidError, parseManifest } from '../../../domain/manifest';
import { storedBackupId } from '../../../domain/manifest/backup-id';
import { mariadbManifest, mysqlManifest } from './sample-manifests';

function invalidPaths(input: unknown): string[] {
  try {
    parseManifest(input);
  } catch (err) {
    assert.ok(err instanceof ManifestInvalidError && err instanceof InvalidInputError, String(err));
    for (const issue of err.issues) assert.ok(err.message.includes(`${issue.path}: ${issue.message}`));
    return err.issues.map((issue) => issue.path);
  }
  assert.fail('the manifest was accepted');
}

describe('parseManifest', () => {
  test('a backup of the longest tenant and cluster ids a cluster may be registered with has a valid manifest', () => {
    const [tenantId, clusterId] = ['t'.repeat(63), 'c'.repeat(63)];
    const backupId = storedBackupId(backupWorkflowId(tenantId, clusterId, new Date('2026-11-27T02:00:00Z')));
    assert.equal(parseManifest({ ...mysqlManifest(), tenantId, clusterId, backupId }).backupId, backupId);
  });

  test('a MySQL manifest comes back typed, with its GTID sets in canonical form', () => {
    const manifest = parseManifest(mysqlManifest());
    assert.equal(manifest.flavor, 'mysql');
    assert.equal(
      manifest.coordinate.gtidExecuted,
      '11111111-2222-3333-4444-555555555555:42,e37df7ab-e7b0-11f1-bda4-02fc00000001:1-2151:billing:1-5',
    );
    if (manifest.flavor === 'mysql') assert.equal(manifest.serverUuid, 'e37df7ab-e7b0-11f1-bda4-02fc00000001');
  });

  test('a MariaDB manifest carries a server id and a canonical GTID position', () => {
    const manifest = parseManifest(mariadbManifest());
    assert.equal(manifest.coordinate.gtidExecuted, '0-11-2453,2-11-5');
    if (manifest.flavor === 'mariadb') assert.equal(manifest.serverId, 11);
  });

  test('lower_case_table_names is one of the values servers take', () => {
    assert.equal(parseManifest({ ...mysqlManifest(), lowerCaseTableNames: 2 }).lowerCaseTableNames, 2);
    assert.deepEqual(invalidPaths({ ...mysqlManifest(), lowerCaseTableNames: 3 }), ['lowerCaseTableNames']);
  });

  test('parsing a parsed manifest changes nothing', () => {
    const once = parseManifest(mysqlManifest());
    assert.deepEqual(parseManifest(once), once);
  });

  test("a GTID set of the wrong flavor is refused at its field, with the parser's reason", () => {
    const input = mariadbManifest();
    input.coordinate.gtidExecuted = 'e37df7ab-e7b0-11f1-bda4-02fc00000001:1-5';
    assert.throws(() => parseManifest(input), /coordinate\.gtidExecuted: invalid MariaDB GTID position at position 0: .* is a MySQL GTID/);
  });

  test('a malformed GTID set is refused at its field', () => {
    const input = mysqlManifest();
    input.coordinate.gtidPurged = 'e37df7ab-e7b0-11f1-bda4-02fc00000001:5-3';
    assert.deepEqual(invalidPaths(input), ['coordinate.gtidPurged']);
  });

  test('each bad field is named by its path', () => {
    const input = mysqlManifest() as Record<string, any>;
    input.artifact.storedSha256 = 'ABC';
    input.artifact.location.bucket = 'Bad_Bucket';
    input.artifact.compression.algorithm = 'gzip';
    input.schemaTables = ['ledger.accounts', 'no_dot'];
    input.createdAt = '2026-11-24T02:59:43+01:00';
    input.clock.skewMs = 1.5;
    input.tenantId = '';
    assert.deepEqual(invalidPaths(input).sort(), [
      'artifact.compression.algorithm',
      'artifact.location.bucket',
      'artifact.storedSha256',
      'clock.skewMs',
      'createdAt',
      'schemaTables[1]',
      'tenantId',
    ]);
  });

  test('clock readings that contradict their difference are refused at skewMs', () => {
    const input = mysqlManifest();
    input.clock = { serverUtc: '2026-11-24T02:59:43.118Z', workerUtc: '2026-11-24T02:59:43.120Z', skewMs: 2 };
    assert.throws(() => parseManifest(input), /clock\.skewMs: must be serverUtc minus workerUtc, in milliseconds/);
    input.clock = { serverUtc: '2026-11-24T02:59:43.118Z', workerUtc: '2026-11-24T02:59:43.120Z', skewMs: -4 };
    assert.deepEqual(invalidPaths(input), ['clock.skewMs']);
  });

  test('skewMs may differ from the readings by the microseconds a millisecond difference leaves out', () => {
    const input = mariadbManifest();
    input.clock = { serverUtc: '2026-11-24T02:59:43.118900Z', workerUtc: '2026-11-24T02:59:42.000Z', skewMs: 1119 };
    assert.equal(parseManifest(input).clock.skewMs, 1119);
    input.clock = { serverUtc: '2026-11-24T02:59:43.118900Z', workerUtc: '2026-11-24T02:59:42.000Z', skewMs: 1120 };
    assert.deepEqual(invalidPaths(input), ['clock.skewMs']);
  });

  test('flavor-specific fields must match the flavor', () => {
    const mysqlWithServerId = { ...mysqlManifest(), serverId: 11 };
    assert.deepEqual(invalidPaths(mysqlWithServerId), ['(top level)']);
    const mariadbWithClone = { ...mariadbManifest(), engine: 'clone' };
    assert.deepEqual(invalidPaths(mariadbWithClone), ['engine']);
    const { serverUuid: _, ...mysqlWithoutUuid } = mysqlManifest() as Record<string, unknown>;
    assert.deepEqual(invalidPaths(mysqlWithoutUuid), ['serverUuid']);
    assert.deepEqual(invalidPaths({ ...mysqlManifest(), flavor: 'oracle' }), ['flavor']);
  });

  test('an unknown schema version and a table listed twice are refused', () => {
    assert.deepEqual(invalidPaths({ ...mysqlManifest(), schemaVersion: 2 }), ['schemaVersion']);
    assert.deepEqual(invalidPaths({ ...mysqlManifest(), schemaTables: ['a.b', 'a.b'] }), ['schemaTables']);
  });

  test('a non-object is refused', () => {
    assert.throws(() => parseManifest('{}'), ManifestInvalidError);
    assert.throws(() => parseManifest(null), ManifestInvalidError);
  });
});
