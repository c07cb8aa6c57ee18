import { placeOf } from '../../adapters/storage/layout';
import type { ObjectInfo, PendingUpload } from '../../adapters/storage/object-store';

/** An object a catalog row (or the key store) accounts for. */
export interface Ownership {
  key: string;
  /** Names the row, for the report: `backup acme/orders/<id> artifact`. */
  owner: string;
  /** The row's state says the object must exist (a completed backup, an archived segment). */
  required: boolean;
}

export type ListedUpload = PendingUpload & { key: string };

export interface Grace {
  now: Date;
  /** Younger objects and uploads may belong to a backup or archive pass still running. */
  minAgeMs: number;
}

export interface ObjectClassification {
  orphans: ObjectInfo[];
  /** Unowned, but too young to call orphans. */
  inGrace: ObjectInfo[];
  quarantined: ObjectInfo[];
  /** Outside the product's layout (or under a legacy source's prefix): never judged, never removed. */
  foreign: ObjectInfo[];
  owned: number;
  missing: Ownership[];
}

const older = (grace: Grace, at: Date): boolean => grace.now.getTime() - at.getTime() >= grace.minAgeMs;

const under = (key: string, prefixes: readonly string[]): boolean => prefixes.some((p) => key.startsWith(p));

/**
 * Sorts what a listing found against what the catalog owns. An object is an orphan only in
 * the tenant area, unowned, and older than the grace period; a required object the listing
 * did not find is missing.
 */
export function classifyObjects(input: {
  prefix: string;
  objects: readonly ObjectInfo[];
  owners: readonly Ownership[];
  /** Prefixes of other systems' archives (legacy sources): left alone even inside ours. */
  protectedPrefixes: readonly string[];
  grace: Grace;
}): ObjectClassification {
  const owned = new Set(input.owners.map((o) => o.key));
  const result: ObjectClassification = { orphans: [], inGrace: [], quarantined: [], foreign: [], owned: 0, missing: [] };
  for (const object of input.objects) {
    const place = placeOf(input.prefix, object.key);
    if (place.area === 'foreign' || under(object.key, input.protectedPrefixes)) result.foreign.push(object);
    else if (place.area === 'quarantine') result.quarantined.push(object);
    else if (owned.has(object.key) || place.area === 'key-record') result.owned += 1;
    else if (older(input.grace, object.lastModified)) result.orphans.push(object);
    else result.inGrace.push(object);
  }
  const listed = new Set(input.objects.map((o) => o.key));
  // A row naming a key outside the prefix was written under another configuration: not this repository's to judge.
  result.missing = input.owners.filter((o) => o.required && o.key.startsWith(input.prefix) && !listed.has(o.key));
  return result;
}

export interface UploadClassification {
  /** Started before the grace period and never completed: left by a crashed upload. */
  stale: ListedUpload[];
  inFlight: ListedUpload[];
}

/** Incomplete multipart uploads in the product's layout; an upload of unknown age counts as in flight. */
export function classifyUploads(
  prefix: string,
  uploads: readonly ListedUpload[],
  protectedPrefixes: readonly string[],
  grace: Grace,
): UploadClassification {
  const result: UploadClassification = { stale: [], inFlight: [] };
  for (const upload of uploads) {
    if (placeOf(prefix, upload.key).area === 'foreign' || under(upload.key, protectedPrefixes)) continue;
    if (upload.initiated !== undefined && older(grace, upload.initiated)) result.stale.push(upload);
    else result.inFlight.push(upload);
  }
  return result;
}
