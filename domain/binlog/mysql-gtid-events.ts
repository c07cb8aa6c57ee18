import type { GnoInterval } from '../gtid';
import { readVarlenSigned, readVarlenUnsigned, type VarlenCursor } from './varlen';

/** What the reader needs from a MySQL Gtid / Anonymous_Gtid / Gtid_tagged event. */
export interface MysqlGtidInfo {
  /** `uuid` or `uuid:tag`, lower case. */
  sourceId: string;
  gno: bigint;
  /**
   * µs since the epoch when the transaction committed on the server where it first committed
   * (original_commit_timestamp): on a replica, the primary's commit, not the replica's own apply
   * (immediate_commit_timestamp), which lags. Undefined in events from servers before 8.0.1.
   */
  commitMicros: number | undefined;
  /** Bytes from this event's start to the end of the transaction; 0 when not recorded. */
  transactionLength: number;
}

const UUID_LENGTH = 16;
// flags(1) sid(16) gno(8) lt_type(1) last_committed(8) sequence_number(8)
const UNTAGGED_POST_HEADER_LENGTH = 1 + UUID_LENGTH + 8 + 1 + 8 + 8;
const COMMIT_TIMESTAMP_LENGTH = 7;

/** Formats 16 bytes as a lower-case 8-4-4-4-12 UUID, reusing the last answer for the same bytes. */
export class UuidFormatter {
  private lastBytes = Buffer.alloc(UUID_LENGTH);
  private lastText = '';

  format(buf: Buffer, at: number): string {
    if (this.lastText !== '' && this.isLast(buf, at)) return this.lastText;
    buf.copy(this.lastBytes, 0, at, at + UUID_LENGTH);
    const hex = this.lastBytes.toString('hex');
    this.lastText = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    return this.lastText;
  }

  // A byte loop: Buffer#compare with offsets costs more than the 16 comparisons.
  private isLast(buf: Buffer, at: number): boolean {
    const last = this.lastBytes;
    for (let i = 0; i < UUID_LENGTH; i++) if (buf[at + i] !== last[i]) return false;
    return true;
  }
}

/**
 * Decodes an untagged Gtid or Anonymous_Gtid event body, buf[body, bodyEnd) (checksum
 * excluded): fixed post-header, then optional 7-byte immediate commit timestamp (its top
 * bit set when a 7-byte original timestamp follows; else the two are equal), a packed
 * transaction length, ...
 * Returns undefined when the body is shorter than the fixed part.
 */
export function decodeUntaggedGtid(buf: Buffer, body: number, bodyEnd: number, uuids: UuidFormatter): MysqlGtidInfo | undefined {
  if (bodyEnd - body < UNTAGGED_POST_HEADER_LENGTH) return undefined;
  const sourceId = uuids.format(buf, body + 1);
  const gno = buf.readBigInt64LE(body + 1 + UUID_LENGTH);
  let pos = body + UNTAGGED_POST_HEADER_LENGTH;
  let commitMicros: number | undefined;
  let transactionLength = 0;
  if (bodyEnd - pos >= COMMIT_TIMESTAMP_LENGTH) {
    // Bit 55 (top of the 7th byte) announces the original timestamp; it is no part of the value.
    const top = buf[pos + 6]!;
    commitMicros = readCommitTimestamp(buf, pos);
    pos += COMMIT_TIMESTAMP_LENGTH;
    if (top & 0x80 && bodyEnd - pos >= COMMIT_TIMESTAMP_LENGTH) {
      commitMicros = readCommitTimestamp(buf, pos);
      pos += COMMIT_TIMESTAMP_LENGTH;
    }
    if (pos < bodyEnd) transactionLength = readPackedInteger(buf, pos, bodyEnd);
  }
  return { sourceId, gno, commitMicros, transactionLength };
}

/** A 7-byte commit timestamp in µs, without the flag bit 55. */
function readCommitTimestamp(buf: Buffer, pos: number): number {
  return buf.readUInt32LE(pos) + (buf[pos + 4]! | (buf[pos + 5]! << 8) | ((buf[pos + 6]! & 0x7f) << 16)) * 2 ** 32;
}

/** MySQL's length-encoded integer (net_field_length): 1, 3, 4 or 9 bytes. */
function readPackedInteger(buf: Buffer, pos: number, end: number): number {
  const first = buf[pos]!;
  if (first < 251) return first;
  if (first === 252 && pos + 3 <= end) return buf.readUInt16LE(pos + 1);
  if (first === 253 && pos + 4 <= end) return buf.readUIntLE(pos + 1, 3);
  if (first === 254 && pos + 9 <= end) return Number(buf.readBigUInt64LE(pos + 1));
  return 0;
}

/** Field ids of Gtid_tagged_log_event in MySQL's serialization framework (Gtid_event::define_fields). */
const TaggedField = {
  FLAGS: 0,
  UUID: 1,
  GNO: 2,
  TAG: 3,
  LAST_COMMITTED: 4,
  SEQUENCE_NUMBER: 5,
  IMMEDIATE_COMMIT_TIMESTAMP: 6,
  ORIGINAL_COMMIT_TIMESTAMP: 7,
  TRANSACTION_LENGTH: 8,
  IMMEDIATE_SERVER_VERSION: 9,
  ORIGINAL_SERVER_VERSION: 10,
  COMMIT_GROUP_TICKET: 11,
} as const;

/**
 * Decodes a Gtid_tagged event body (MySQL 8.3+): a serialization-format version, the
 * message size and last non-ignorable field id, then (field id, value) pairs with
 * variable-length integers; the UUID is 16 varlen bytes and the tag a length-prefixed
 * string. Optional fields are simply absent. Returns undefined when malformed.
 */
export function decodeTaggedGtid(buf: Buffer, body: number, bodyEnd: number, uuids: UuidFormatter): MysqlGtidInfo | undefined {
  const cursor: VarlenCursor = { buf, pos: body, end: bodyEnd };
  if (readVarlenUnsigned(cursor) === undefined) return undefined; // serialization format version
  // The message size counts from the start of the body, format version included.
  const messageSize = readVarlenUnsigned(cursor);
  if (messageSize === undefined || readVarlenUnsigned(cursor) === undefined) return undefined;
  cursor.end = Math.min(bodyEnd, body + Number(messageSize));
  const uuid = Buffer.alloc(UUID_LENGTH);
  let gno: bigint | undefined;
  let tag = '';
  let immediateCommitMicros: number | undefined;
  let originalCommitMicros: number | undefined;
  let transactionLength = 0;
  while (cursor.pos < cursor.end) {
    const id = readVarlenUnsigned(cursor);
    if (id === undefined) return undefined;
    switch (Number(id)) {
      case TaggedField.UUID:
        for (let i = 0; i < UUID_LENGTH; i++) {
          const byte = readVarlenUnsigned(cursor);
          if (byte === undefined) return undefined;
          uuid[i] = Number(byte);
        }
        break;
      case TaggedField.GNO:
        gno = readVarlenSigned(cursor);
        break;
      case TaggedField.TAG: {
        const length = readVarlenUnsigned(cursor);
        if (length === undefined || cursor.pos + Number(length) > cursor.end) return undefined;
        tag = buf.toString('latin1', cursor.pos, cursor.pos + Number(length)).toLowerCase();
        cursor.pos += Number(length);
        break;
      }
      case TaggedField.IMMEDIATE_COMMIT_TIMESTAMP: {
        const micros = readVarlenUnsigned(cursor);
        immediateCommitMicros = micros === undefined ? undefined : Number(micros);
        break;
      }
      case TaggedField.ORIGINAL_COMMIT_TIMESTAMP: {
        const micros = readVarlenUnsigned(cursor);
        originalCommitMicros = micros === undefined ? undefined : Number(micros);
        break;
      }
      case TaggedField.TRANSACTION_LENGTH:
        transactionLength = Number(readVarlenUnsigned(cursor) ?? 0n);
        break;
      case TaggedField.LAST_COMMITTED:
      case TaggedField.SEQUENCE_NUMBER:
        readVarlenSigned(cursor);
        break;
      case TaggedField.FLAGS:
      case TaggedField.IMMEDIATE_SERVER_VERSION:
      case TaggedField.ORIGINAL_SERVER_VERSION:
      case TaggedField.COMMIT_GROUP_TICKET:
        readVarlenUnsigned(cursor);
        break;
      default:
        // Fields added by later servers come last; the message size lets us skip them.
        cursor.pos = cursor.end;
    }
  }
  if (gno === undefined) return undefined;
  const uuidText = uuids.format(uuid, 0);
  // The original timestamp is written only where it differs from the immediate one.
  const commitMicros = originalCommitMicros ?? immediateCommitMicros;
  return { sourceId: tag === '' ? uuidText : `${uuidText}:${tag}`, gno, commitMicros, transactionLength };
}

/** One source of a Previous_gtids event with its GNO intervals (inclusive). */
export interface PreviousGtidsEntry {
  sourceId: string;
  intervals: GnoInterval[];
}

const GTID_FORMAT_UNTAGGED = 0;
const GTID_FORMAT_TAGGED = 1;

/**
 * Decodes a Previous_gtids event body (Gtid_set::encode): a 64-bit word whose top byte is
 * the format (0 untagged, 1 tagged; tagged keeps the count in bits 8..55), then per source
 * the UUID, in the tagged format a length-prefixed tag, and [start, end) GNO intervals.
 * Returns undefined when malformed.
 */
export function decodePreviousGtids(buf: Buffer, body: number, bodyEnd: number, uuids: UuidFormatter): PreviousGtidsEntry[] | undefined {
  if (bodyEnd - body < 8) return undefined;
  const word = buf.readBigUInt64LE(body);
  const format = Number(word >> 56n);
  let sourceCount: bigint;
  if (format === GTID_FORMAT_UNTAGGED) sourceCount = word & 0x00ffffffffffffffn;
  else if (format === GTID_FORMAT_TAGGED) sourceCount = (word & 0x00ffffffffffff00n) >> 8n;
  else return undefined;
  const entries: PreviousGtidsEntry[] = [];
  const cursor: VarlenCursor = { buf, pos: body + 8, end: bodyEnd };
  for (let i = 0n; i < sourceCount; i++) {
    if (cursor.pos + UUID_LENGTH > bodyEnd) return undefined;
    const uuid = uuids.format(buf, cursor.pos);
    cursor.pos += UUID_LENGTH;
    let tag = '';
    if (format === GTID_FORMAT_TAGGED) {
      const length = readVarlenUnsigned(cursor);
      if (length === undefined || cursor.pos + Number(length) > bodyEnd) return undefined;
      tag = buf.toString('latin1', cursor.pos, cursor.pos + Number(length)).toLowerCase();
      cursor.pos += Number(length);
    }
    if (cursor.pos + 8 > bodyEnd) return undefined;
    const intervalCount = buf.readBigUInt64LE(cursor.pos);
    cursor.pos += 8;
    if (BigInt(bodyEnd - cursor.pos) < intervalCount * 16n) return undefined;
    const intervals: GnoInterval[] = [];
    for (let k = 0n; k < intervalCount; k++) {
      const start = buf.readBigInt64LE(cursor.pos);
      const endExclusive = buf.readBigInt64LE(cursor.pos + 8);
      cursor.pos += 16;
      if (start < 1n || endExclusive <= start) return undefined;
      intervals.push({ start, end: endExclusive - 1n });
    }
    entries.push({ sourceId: tag === '' ? uuid : `${uuid}:${tag}`, intervals });
  }
  return entries;
}
