/**
 * How a Query event bears on transaction boundaries, after MySQL's
 * Transaction_boundary_parser (libs/mysql/binlog/event/trx_boundary_parser.cpp).
 */
export type QueryRole = 'begin' | 'end' | 'statement';

const BEGIN = Buffer.from('BEGIN');
const COMMIT = Buffer.from('COMMIT');
const XA_START = Buffer.from('XA START');
const ROLLBACK = Buffer.from('ROLLBACK');
const ROLLBACK_TO = Buffer.from('ROLLBACK TO ');
const XA_ROLLBACK = Buffer.from('XA ROLLBACK');
const XA_COMMIT = Buffer.from('XA COMMIT');

function equals(buf: Buffer, start: number, end: number, word: Buffer): boolean {
  return end - start === word.length && startsWith(buf, start, end, word, false);
}

function startsWith(buf: Buffer, start: number, end: number, word: Buffer, ignoreCase: boolean): boolean {
  if (end - start < word.length) return false;
  for (let i = 0; i < word.length; i++) {
    let c = buf[start + i]!;
    if (ignoreCase && c >= 0x61 && c <= 0x7a) c -= 0x20;
    if (c !== word[i]) return false;
  }
  return true;
}

/** Classifies the query text buf[start, end) the way the server's boundary parser does. */
export function classifyQuery(buf: Buffer, start: number, end: number): QueryRole {
  if (equals(buf, start, end, BEGIN) || startsWith(buf, start, end, XA_START, false)) return 'begin';
  if (equals(buf, start, end, COMMIT)) return 'end';
  if (startsWith(buf, start, end, ROLLBACK, true)) {
    return startsWith(buf, start, end, ROLLBACK_TO, true) ? 'statement' : 'end';
  }
  // XA COMMIT of a prepared transaction is a group of its own; nothing of it follows.
  if (startsWith(buf, start, end, XA_ROLLBACK, true) || startsWith(buf, start, end, XA_COMMIT, true)) return 'end';
  return 'statement';
}

/**
 * Where transactions end. After a GTID event the next statement alone is the transaction
 * (DDL, MariaDB's standalone groups) unless a BEGIN opens a multi-statement one, which
 * XID, COMMIT/ROLLBACK or XA_PREPARE closes. MariaDB's non-standalone GTID event stands
 * for the BEGIN itself.
 */
export class TransactionBoundaries {
  private state: 'none' | 'after-gtid' | 'multi-statement' = 'none';

  get open(): boolean {
    return this.state !== 'none';
  }

  start(beginsMultiStatement: boolean): void {
    this.state = beginsMultiStatement ? 'multi-statement' : 'after-gtid';
  }

  /** True when this Query event ends the open transaction. */
  query(role: QueryRole): boolean {
    if (this.state === 'none') return false;
    if (role === 'begin') {
      this.state = 'multi-statement';
      return false;
    }
    if (role === 'statement' && this.state === 'multi-statement') return false;
    this.state = 'none';
    return true;
  }

  /** XID or XA_PREPARE: true when it ends the open transaction. */
  terminator(): boolean {
    if (this.state === 'none') return false;
    this.state = 'none';
    return true;
  }

  /** Transaction_payload (a compressed transaction) right after its GTID event is the whole transaction. */
  payload(): boolean {
    if (this.state !== 'after-gtid') return false;
    this.state = 'none';
    return true;
  }
}
