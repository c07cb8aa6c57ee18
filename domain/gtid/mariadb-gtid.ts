import { GtidRangeError, MariadbGtidConflictError } from './errors';

/** One MariaDB GTID, `domain-server-seq`: 32-bit domain and server ids, 64-bit sequence number. */
export interface MariadbGtid {
  readonly domain: number;
  readonly server: number;
  readonly seq: bigint;
}

export const MAX_MARIADB_DOMAIN_ID = 0xffff_ffff;
export const MAX_MARIADB_SERVER_ID = 0xffff_ffff;
export const MAX_MARIADB_SEQ = 2n ** 64n - 1n;

export function mariadbGtid(domain: number, server: number, seq: bigint): MariadbGtid {
  if (!Number.isInteger(domain) || domain < 0 || domain > MAX_MARIADB_DOMAIN_ID) {
    throw new GtidRangeError('MariaDB domain id', domain, MAX_MARIADB_DOMAIN_ID, 0);
  }
  if (!Number.isInteger(server) || server < 0 || server > MAX_MARIADB_SERVER_ID) {
    throw new GtidRangeError('MariaDB server id', server, MAX_MARIADB_SERVER_ID, 0);
  }
  // Sequence numbers start at 1: 0 is never assigned to a transaction.
  if (seq < 1n || seq > MAX_MARIADB_SEQ) throw new GtidRangeError('MariaDB sequence number', seq, MAX_MARIADB_SEQ);
  return { domain, server, seq };
}

export function mariadbGtidText({ domain, server, seq }: MariadbGtid): string {
  return `${domain}-${server}-${seq}`;
}

/**
 * Orders two GTIDs of the same domain. Only the sequence number orders them (the server id
 * says who wrote it); the same number from two servers is a conflict, not a tie.
 */
export function compareInDomain(a: MariadbGtid, b: MariadbGtid): number {
  if (a.seq !== b.seq) return a.seq < b.seq ? -1 : 1;
  if (a.server !== b.server) throw new MariadbGtidConflictError(mariadbGtidText(a), mariadbGtidText(b));
  return 0;
}
