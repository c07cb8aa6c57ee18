/**
 * The one owner of the repository layout in object storage: every object key the product
 * writes is built here, and every key it reads back is taken apart here. Under the configured
 * prefix:
 *
 *   tenants/<tenant>/clusters/<cluster>/backups/<backup>/base.pitr      a base backup's artifact
 *   tenants/<tenant>/clusters/<cluster>/backups/<backup>/base.pitr.manifest.json
 *   tenants/<tenant>/clusters/<cluster>/binlogs/<server>/<file>         an archived binlog
 *   tenants/<tenant>/clusters/<cluster>/binlogs/<server>/<file>.index   its transaction index
 *   tenants/<tenant>/clusters/<cluster>/legacy-index/<sha256>.index     a legacy binlog's index
 *   keys/<tenant>.json                                                  a tenant's key record
 *   failed/<key without the prefix>[.reason.json]                       quarantined, kept for inspection
 *
 * Backups and binlogs are owned by catalog rows; anything else is not the product's to judge,
 * whoever wrote it.
 */
import type { BackupRef } from '../../domain/backup';
import { InvalidInputError } from '../../domain/errors';
import { storedBackupId } from '../../domain/manifest/backup-id';

const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._=+-]*$/;

const MANIFEST_SUFFIX = '.manifest.json';
const KEY_RECORD_SUFFIX = '.json';

interface ClusterRef {
  tenantId: string;
  clusterId: string;
}

/**
 * A deterministic object key: the same inputs always name the same object, so a retried
 * upload overwrites its own object instead of leaving a second copy.
 */
function objectKey(prefix: string, ...segments: string[]): string {
  for (const segment of segments) {
    if (!SEGMENT.test(segment) || segment.length > 200) {
      throw new InvalidInputError(`"${segment}" cannot be part of an object key`, {
        hint: 'use letters, digits and . _ = + - (not starting with . or -), at most 200 characters',
      });
    }
  }
  return prefix + segments.join('/');
}

function clusterKey(prefix: string, ref: ClusterRef, ...segments: string[]): string {
  return objectKey(prefix, 'tenants', ref.tenantId, 'clusters', ref.clusterId, ...segments);
}

/** The object key of a backup's artifact: the same backup always names the same object. */
export function artifactKey(prefix: string, ref: BackupRef): string {
  return clusterKey(prefix, ref, 'backups', storedBackupId(ref.backupId), 'base.pitr');
}

/** Where a backup's signed manifest lives: beside its artifact. */
export function manifestKeyOf(artifactKey: string): string {
  return `${artifactKey}${MANIFEST_SUFFIX}`;
}

/** The artifact a manifest stands beside. */
export function artifactKeyOfManifest(manifestKey: string): string {
  return manifestKey.endsWith(MANIFEST_SUFFIX) ? manifestKey.slice(0, -MANIFEST_SUFFIX.length) : manifestKey;
}

/** Where a server's binlog is archived: one object per server and file name, whoever uploads it. */
export function segmentKey(prefix: string, ref: ClusterRef, serverKey: string, file: string): string {
  return clusterKey(prefix, ref, 'binlogs', serverKey, file);
}

/** Where a piece of a server's binlog a stream sealed is archived: by the file and the offset it starts at. */
export function segmentPieceKey(prefix: string, ref: ClusterRef, serverKey: string, file: string, startOffset: number): string {
  return clusterKey(prefix, ref, 'binlogs', serverKey, `${file}+${String(startOffset).padStart(13, '0')}`);
}

export function segmentIndexKey(segmentKey: string): string {
  return `${segmentKey}.index`;
}

/** Where the transaction index of a legacy binlog goes: under the product's prefix, named by the binlog's content. */
export function legacyIndexKey(prefix: string, ref: ClusterRef, binlogSha256: string): string {
  return clusterKey(prefix, ref, 'legacy-index', `${binlogSha256}.index`);
}

/** The folder of the tenant key records. */
export function keyRecordsFolder(prefix: string): string {
  return `${objectKey(prefix, 'keys')}/`;
}

/** Where a tenant's key record lives. */
export function tenantKeyRecordKey(prefix: string, tenant: string): string {
  return `${keyRecordsFolder(prefix)}${tenant}${KEY_RECORD_SUFFIX}`;
}

/** The tenant whose key record `key` is; undefined for any other key. */
export function keyRecordTenant(prefix: string, key: string): string | undefined {
  const folder = keyRecordsFolder(prefix);
  if (!key.startsWith(folder)) return undefined;
  const name = key.slice(folder.length);
  if (name.includes('/') || !name.endsWith(KEY_RECORD_SUFFIX) || name.length === KEY_RECORD_SUFFIX.length) return undefined;
  return name.slice(0, -KEY_RECORD_SUFFIX.length);
}

/** The folder quarantined objects are moved under. */
export function quarantineFolder(prefix: string): string {
  return `${prefix}failed/`;
}

/** Where a quarantined object goes: the quarantine folder followed by its key without the prefix. */
export function quarantineKey(prefix: string, key: string): string {
  const relative = key.startsWith(prefix) ? key.slice(prefix.length) : key;
  return `${quarantineFolder(prefix)}${relative}`;
}

/** Beside a quarantined object: why it was moved. */
export function quarantineReasonKey(quarantinedKey: string): string {
  return `${quarantinedKey}.reason.json`;
}

export type KeyPlace =
  | { area: 'tenant'; tenantId: string; clusterId: string | undefined }
  | { area: 'key-record'; tenantId: string }
  | { area: 'quarantine' }
  | { area: 'foreign' };

/** Where an object sits in the layout. */
export function placeOf(prefix: string, key: string): KeyPlace {
  if (!key.startsWith(prefix)) return { area: 'foreign' };
  const parts = key.slice(prefix.length).split('/');
  if (parts[0] === 'tenants' && parts.length >= 3 && parts[1]) {
    return { area: 'tenant', tenantId: parts[1], clusterId: parts[2] === 'clusters' && parts.length >= 5 ? parts[3] : undefined };
  }
  const recordOf = keyRecordTenant(prefix, key);
  if (recordOf !== undefined) return { area: 'key-record', tenantId: recordOf };
  if (key.startsWith(quarantineFolder(prefix))) return { area: 'quarantine' };
  return { area: 'foreign' };
}

/** A tenant, or one cluster of it; every tenant when absent. */
export interface RepoScope {
  tenantId?: string;
  clusterId?: string;
}

/** The part of the tenant area a scope covers (the whole prefix for every tenant). */
export function scopePrefix(prefix: string, scope: RepoScope): string {
  if (scope.tenantId === undefined) return prefix;
  const tenant = `${prefix}tenants/${scope.tenantId}/`;
  return scope.clusterId === undefined ? tenant : `${tenant}clusters/${scope.clusterId}/`;
}

/** Where the quarantined objects of a scope's part of the tenant area are. */
export function scopeQuarantinePrefix(prefix: string, scope: RepoScope): string {
  return quarantineKey(prefix, scopePrefix(prefix, scope));
}

export function inScope(place: KeyPlace, scope: RepoScope): boolean {
  if (scope.tenantId === undefined) return true;
  if (place.area === 'key-record') return place.tenantId === scope.tenantId;
  if (place.area !== 'tenant') return false;
  return place.tenantId === scope.tenantId && (scope.clusterId === undefined || place.clusterId === scope.clusterId);
}
