import type { MariadbGtid } from '../gtid';

/** What the reader needs from a MariaDB Gtid event; the server id is the event header's. */
export interface MariadbGtidInfo {
  domain: number;
  seq: bigint;
  /** FL_STANDALONE: a single statement (DDL and the like) with no terminating COMMIT or XID. */
  standalone: boolean;
}

const FL_STANDALONE = 1;
// seq_no(8) domain_id(4) flags2(1)
const GTID_FIXED_LENGTH = 13;

export function decodeMariadbGtid(buf: Buffer, body: number, bodyEnd: number): MariadbGtidInfo | undefined {
  if (bodyEnd - body < GTID_FIXED_LENGTH) return undefined;
  return {
    seq: buf.readBigUInt64LE(body),
    domain: buf.readUInt32LE(body + 8),
    standalone: (buf[body + 12]! & FL_STANDALONE) !== 0,
  };
}

const GTID_LIST_COUNT_MASK = (1 << 28) - 1;
const GTID_LIST_ENTRY_LENGTH = 4 + 4 + 8;

/**
 * Decodes a Gtid_list event body: a 32-bit count (low 28 bits; the rest are flags), then
 * domain(4) server_id(4) seq_no(8) per entry. Returns the entries in event order (the
 * order carries meaning: each domain's most recent GTID comes last), or undefined when malformed.
 */
export function decodeMariadbGtidList(buf: Buffer, body: number, bodyEnd: number): MariadbGtid[] | undefined {
  if (bodyEnd - body < 4) return undefined;
  const count = buf.readUInt32LE(body) & GTID_LIST_COUNT_MASK;
  if (bodyEnd - body - 4 < count * GTID_LIST_ENTRY_LENGTH) return undefined;
  const entries: MariadbGtid[] = [];
  for (let i = 0, at = body + 4; i < count; i++, at += GTID_LIST_ENTRY_LENGTH) {
    entries.push({ domain: buf.readUInt32LE(at), server: buf.readUInt32LE(at + 4), seq: buf.readBigUInt64LE(at + 8) });
  }
  return entries;
}
