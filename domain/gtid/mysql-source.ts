import { GtidParseError } from './errors';

/**
 * Largest GNO MySQL accepts in a GTID set. The documentation says 2^63-1, but the server keeps
 * intervals as [start, end) in signed 64-bit integers and refuses 9223372036854775807 itself
 * ("Interval start out of range", checked on 9.7.4), so a larger value could never be applied.
 */
export const MAX_GNO = 2n ** 63n - 2n;

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const TAG_PATTERN = /^[a-z_][a-z0-9_]{0,31}$/i;
const MARIADB_GTID_PATTERN = /^\d+-\d+-\d+$/;

/**
 * A source of MySQL transactions: the server UUID, or `uuid:tag` for tagged GTIDs (MySQL 8.3+).
 * Keys are lower case, so plain string order is MySQL's printing order: by UUID, untagged first,
 * then tags in byte order.
 */
export function sourceKey(uuid: string, tag: string): string {
  return tag === '' ? uuid : `${uuid}:${tag}`;
}

export function splitSourceKey(key: string): { uuid: string; tag: string } {
  return { uuid: key.slice(0, 36), tag: key.slice(37) };
}

export function isWordChar(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c === '_';
}

/** Why `token` is not a UUID, naming the MariaDB case because mixing flavors is the common mistake. */
export function uuidProblem(token: string): string {
  if (MARIADB_GTID_PATTERN.test(token)) {
    return `"${token}" is a MariaDB GTID (domain-server-sequence), not a MySQL uuid:interval entry: use the mariadb flavor`;
  }
  return `"${token}" is not a UUID (8-4-4-4-12 hexadecimal digits)`;
}

export function tagProblem(tag: string): string {
  return tag.length > 32
    ? `tag "${tag}" is longer than 32 characters`
    : `tag "${tag}" must start with a letter or "_" and hold only letters, digits and "_"`;
}

/** Parses `uuid` or `uuid:tag` (no spaces) into its source key. */
export function parseSourceId(sourceId: string): string {
  const colon = sourceId.indexOf(':');
  const uuid = colon < 0 ? sourceId : sourceId.slice(0, colon);
  if (!UUID_PATTERN.test(uuid)) throw new GtidParseError('GTID source', 0, uuidProblem(uuid));
  if (colon < 0) return uuid.toLowerCase();
  const tag = sourceId.slice(colon + 1);
  if (!TAG_PATTERN.test(tag)) throw new GtidParseError('GTID source', colon + 1, tagProblem(tag));
  return sourceKey(uuid.toLowerCase(), tag.toLowerCase());
}
