import { placeLegacyStream, type LegacyGap } from '../../domain/legacy/stream';
import type { ArtifactServices } from '../../adapters/artifact/services';
import type { Catalog } from '../../adapters/catalog/catalog';
import { getCluster } from '../../adapters/catalog/clusters';
import {
  checkLegacyPrefix,
  insertLegacyBackup,
  insertLegacySegment,
  markListed,
  openLegacySource,
  readLegacyArchive,
  replaceLegacyRejections,
  replaceLegacyStream,
  type LegacyRejection,
  type LegacySourceRef,
  type NewLegacyBackup,
  type NewLegacySegment,
} from '../../adapters/catalog/legacy';
import type { ObjectInfo } from '../../adapters/storage/object-store';
import { indexLegacyObject } from './index-object';

export interface LegacyImportReport extends LegacySourceRef {
  listed: number;
  /** Objects indexed by this import (new, or rejected before and changed since). */
  indexed: { backups: string[]; segments: string[] };
  /** Objects indexed before with the same ETag: not read again. */
  unchanged: number;
  /** Objects whose bytes changed since they were indexed: left out of the stream until looked at. */
  changed: Array<{ objectKey: string; indexedEtag: string; etag: string }>;
  /** Indexed objects storage no longer lists. */
  gone: string[];
  rejected: LegacyRejection[];
  /** Binlogs whose history does not continue the legacy stream (another server's?): indexed, but not replayed. */
  diverged: Array<{ objectKey: string; lacking: string }>;
  /** The legacy stream as placed now. */
  segments: number;
  gaps: LegacyGap[];
}

/**
 * Indexes what an older system left under a prefix, read-only: each new object is read once
 * (binlogs with their transaction index, dumps with their GTID coordinate), the binlogs are
 * placed into one stream with the archive's continuity rules, and every object that cannot be
 * used is listed with the reason. Importing again reads only objects it does not know.
 */
export async function importLegacy(
  catalog: Catalog,
  services: Pick<ArtifactServices, 'store' | 'keys' | 'prefix'>,
  ref: LegacySourceRef,
): Promise<LegacyImportReport> {
  checkLegacyPrefix(ref.prefix, services.prefix);
  const { flavor } = await getCluster(catalog, ref.tenantId, ref.clusterId);
  const known = await catalog.withTenant(ref.tenantId, async (db) => {
    await openLegacySource(db, ref);
    return readLegacyArchive(db, ref);
  });
  const indexedEtag = new Map([...known.backups, ...known.segments].map((o) => [o.objectKey, o.etag]));
  const rejectedBefore = new Map(known.rejected.map((r) => [r.objectKey, r]));

  const listed: ObjectInfo[] = [];
  for await (const info of services.store.list(ref.prefix)) listed.push(info);
  const backups: NewLegacyBackup[] = [];
  const segments: NewLegacySegment[] = [];
  const rejected: LegacyRejection[] = [];
  const changed: LegacyImportReport['changed'] = [];
  let unchanged = 0;
  const ctx = {
    store: services.store,
    keys: services.keys,
    productPrefix: services.prefix,
    tenantId: ref.tenantId,
    clusterId: ref.clusterId,
    flavor,
    legacyPrefix: ref.prefix,
  };
  for (const info of listed) {
    const etag = indexedEtag.get(info.key);
    if (etag !== undefined) {
      if (etag === info.etag) unchanged += 1;
      else {
        changed.push({ objectKey: info.key, indexedEtag: etag, etag: info.etag });
        rejected.push({
          objectKey: info.key,
          etag: info.etag,
          reason: `changed since it was indexed (ETag ${info.etag}, indexed as ${etag}): an archive's objects never change; compare it with the older system's copy`,
        });
      }
      continue;
    }
    const before = rejectedBefore.get(info.key);
    if (before?.etag === info.etag) {
      rejected.push(before);
      continue;
    }
    const result = await indexLegacyObject(ctx, info);
    if (result.kind === 'backup') backups.push(result.backup);
    else if (result.kind === 'segment') segments.push(result.segment);
    else rejected.push({ objectKey: info.key, etag: info.etag, reason: result.reason });
  }

  const changedKeys = new Set(changed.map((c) => c.objectKey));
  const usable = listed.map((o) => o.key).filter((k) => !changedKeys.has(k));
  return catalog.withTenant(ref.tenantId, async (db) => {
    await openLegacySource(db, ref);
    for (const b of backups) await insertLegacyBackup(db, ref, b);
    for (const s of segments) await insertLegacySegment(db, ref, s);
    await markListed(db, ref, usable);
    const present = (await readLegacyArchive(db, ref)).segments.filter((s) => s.goneAt === null);
    const stream = placeLegacyStream(flavor, present);
    await replaceLegacyStream(db, ref, stream.segments, stream.gaps);
    await replaceLegacyRejections(db, ref, rejected);
    const listedKeys = new Set(listed.map((l) => l.key));
    const gone = [...known.backups, ...known.segments].filter((o) => !listedKeys.has(o.objectKey)).map((o) => o.objectKey);
    return {
      ...ref,
      listed: listed.length,
      indexed: { backups: backups.map((b) => b.objectKey), segments: segments.map((s) => s.objectKey) },
      unchanged,
      changed,
      gone,
      rejected,
      diverged: stream.segments.flatMap((s) => (s.lacking === undefined ? [] : [{ objectKey: s.objectKey, lacking: s.lacking }])),
      segments: stream.segments.filter((s) => s.status === 'archived').length,
      gaps: stream.gaps,
    };
  });
}
