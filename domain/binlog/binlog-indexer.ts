import {
  MariadbGtidPosition,
  MariadbGtidSetBuilder,
  mariadbGtidText,
  MAX_GNO,
  MysqlGtidSet,
  MysqlGtidSetBuilder,
  type MariadbGtid,
} from '../gtid';
import { BinlogCorruptError, BinlogUnsupportedError } from './errors';
import { EventScanner, type EventSink } from './event-scanner';
import { CHECKSUM_LENGTH, EventType, eventTypeName, HEADER_LENGTH, HeaderOffset } from './event-types';
import { decodeFormatDescription, type FormatDescription } from './format-description';
import { decodeMariadbGtid, decodeMariadbGtidList } from './mariadb-events';
import { decodePreviousGtids, decodeTaggedGtid, decodeUntaggedGtid, type MysqlGtidInfo, UuidFormatter } from './mysql-gtid-events';
import { classifyQuery, TransactionBoundaries } from './transaction-boundaries';
import type { BinlogSummary, BinlogTime, BinlogTransaction } from './types';
import { uint32At } from './uint32';

// Query post-header: thread_id(4) exec_time(4) db_len(1) error_code(2) status_vars_len(2)
const QUERY_DB_LENGTH_AT = 8;
const QUERY_STATUS_VARS_LENGTH_AT = 11;
const DEFAULT_QUERY_POST_HEADER_LENGTH = 13;
const DEFAULT_ROTATE_POST_HEADER_LENGTH = 8;
/** Enough of a Query event to classify it: post-header, status vars, db name, keyword. */
const QUERY_HEAD_LENGTH = HEADER_LENGTH + 0xff + 0xffff + 0xff + 1 + 16;
const MICROS_PER_SECOND = 1_000_000;

function seconds(value: number): BinlogTime {
  return { micros: value * MICROS_PER_SECOND, precision: 's' };
}

/**
 * Reads one binlog file's events (fed through `push`) into its summary and, through the
 * callback, its transactions in file order. Decodes only headers and the few events that
 * carry GTIDs, boundaries and file metadata; row events are only checksummed.
 */
export class BinlogIndexer implements EventSink {
  private readonly scanner: EventScanner;
  private format: FormatDescription | undefined;
  private queryPostHeaderLength = DEFAULT_QUERY_POST_HEADER_LENGTH;
  private rotatePostHeaderLength = DEFAULT_ROTATE_POST_HEADER_LENGTH;
  private readonly uuids = new UuidFormatter();
  private readonly boundaries = new TransactionBoundaries();
  private events = 0;
  private firstEventSeconds = -1;
  private lastEventSeconds = -1;
  private lastEventType = -1;
  private rotateTo: string | null = null;
  private mysqlPrevious = MysqlGtidSet.empty();
  private mariadbGtidList: MariadbGtid[] = [];
  private readonly mysqlGtids = new MysqlGtidSetBuilder();
  private readonly mariadbGtids = new MariadbGtidSetBuilder();
  /** Per domain, the last GTID in file order: what the binlog's position is after it. */
  private readonly mariadbLastGtid = new Map<number, MariadbGtid>();
  private transactions = 0;
  private firstGtid: string | null = null;
  private lastGtid: string | null = null;
  private firstCommitTime: BinlogTime | null = null;
  private lastCommitTime: BinlogTime | null = null;
  // The open transaction.
  private trxStart = 0;
  private trxGtid: string | null = null;
  private trxMysql: MysqlGtidInfo | undefined;
  private trxMariadb: MariadbGtid | undefined;
  private trxCommitTime: BinlogTime | undefined;

  constructor(
    private readonly onTransaction: (transaction: BinlogTransaction) => void,
    private readonly file?: string,
  ) {
    this.scanner = new EventScanner(this, file);
  }

  push(chunk: Buffer): void {
    this.scanner.push(chunk);
  }

  /** Ends the input; throws BinlogCorruptError when the file stops short. */
  finish(): BinlogSummary {
    this.scanner.finish();
    return this.summarySoFar();
  }

  /** Whether the events read so far end the file: the last one is a Rotate or Stop event, read whole. */
  get endsFile(): boolean {
    return (this.lastEventType === EventType.ROTATE || this.lastEventType === EventType.STOP) && !this.scanner.midEvent;
  }

  /** A transaction has started and not ended in what was read so far. */
  get midTransaction(): boolean {
    return this.boundaries.open;
  }

  /** Where the last whole event read ends. */
  get position(): number {
    return this.scanner.wholeEventsEnd;
  }

  /** The summary of the events read so far, without ending the input: a growing file's. */
  summarySoFar(): BinlogSummary {
    const format = this.format;
    if (format === undefined) throw this.corrupt(this.scanner.position, 'file holds no Format_description event');
    const mysql = format.flavor === 'mysql';
    const mysqlGtids = mysql ? this.mysqlGtids.build() : undefined;
    return {
      flavor: format.flavor,
      serverVersion: format.serverVersion,
      serverId: format.serverId,
      checksum: format.checksum,
      previousGtids: mysql ? this.mysqlPrevious.toString() : this.mariadbGtidList.map(mariadbGtidText).join(','),
      gtids: mysqlGtids ? mysqlGtids.toString() : this.mariadbGtids.build().toString(),
      endPosition: mysqlGtids
        ? this.mysqlPrevious.union(mysqlGtids).toString()
        : MariadbGtidPosition.lastOfEachDomain([...this.mariadbGtidList, ...this.mariadbLastGtid.values()]).toString(),
      firstGtid: this.firstGtid,
      lastGtid: this.lastGtid,
      transactions: this.transactions,
      firstEventTime: seconds(this.firstEventSeconds),
      lastEventTime: seconds(this.lastEventSeconds),
      firstCommitTime: this.firstCommitTime,
      lastCommitTime: this.lastCommitTime,
      events: this.events,
      bytes: this.scanner.position,
      closed: !format.inUse && (this.lastEventType === EventType.ROTATE || this.lastEventType === EventType.STOP),
      rotateTo: this.rotateTo,
      unfinishedTransactionAt: this.boundaries.open ? this.trxStart : null,
    };
  }

  bytesWanted(type: number, length: number): number {
    switch (type) {
      case EventType.QUERY:
        return Math.min(length, QUERY_HEAD_LENGTH);
      case EventType.FORMAT_DESCRIPTION:
      case EventType.ROTATE:
      case EventType.GTID:
      case EventType.ANONYMOUS_GTID:
      case EventType.GTID_TAGGED:
      case EventType.PREVIOUS_GTIDS:
      case EventType.MARIADB_GTID:
      case EventType.MARIADB_GTID_LIST:
        return length;
      default:
        return HEADER_LENGTH;
    }
  }

  event(buf: Buffer, start: number, available: number, length: number, offset: number): void {
    this.events++;
    const type = buf[start + HeaderOffset.TYPE]!;
    const time = uint32At(buf, start + HeaderOffset.TIMESTAMP);
    this.lastEventSeconds = time;
    this.lastEventType = type;
    if (this.format === undefined) {
      this.readFormat(type, buf, start, length, offset, time);
      return;
    }
    const body = start + HEADER_LENGTH;
    // A head-only copy of a long event has no checksum in it to leave out.
    const bodyEnd = start + available - (available === length ? this.scanner.checksumLength : 0);
    const mysql = this.format.flavor === 'mysql';
    switch (type) {
      case EventType.QUERY:
        this.onQuery(buf, body, bodyEnd, offset, offset + length, time);
        break;
      case EventType.XID:
      case EventType.XA_PREPARE:
        if (this.boundaries.terminator()) this.endTransaction(offset + length, time);
        break;
      case EventType.GTID:
      case EventType.ANONYMOUS_GTID:
      case EventType.GTID_TAGGED:
        if (mysql) this.onMysqlGtid(type, buf, body, bodyEnd, offset, time);
        break;
      case EventType.TRANSACTION_PAYLOAD:
        if (mysql && this.boundaries.payload()) this.endTransaction(offset + length, time);
        break;
      case EventType.PREVIOUS_GTIDS:
        if (mysql) this.onPreviousGtids(buf, body, bodyEnd, offset);
        break;
      case EventType.ROTATE:
        this.rotateTo = buf.toString('utf8', body + this.rotatePostHeaderLength, bodyEnd);
        break;
      case EventType.MARIADB_GTID:
        if (!mysql) this.onMariadbGtid(buf, start, body, bodyEnd, offset);
        break;
      case EventType.MARIADB_GTID_LIST:
        if (!mysql) this.onMariadbGtidList(buf, body, bodyEnd, offset);
        break;
      case EventType.MARIADB_QUERY_COMPRESSED:
        if (!mysql && this.boundaries.query('statement')) this.endTransaction(offset + length, time);
        break;
      case EventType.MARIADB_START_ENCRYPTION:
        if (!mysql) {
          throw new BinlogUnsupportedError(
            `it is encrypted (Start_encryption event at offset ${offset})`,
            "archive binlogs of servers with encrypt_binlog=OFF; this reader does not hold the server's encryption keys",
            this.file,
          );
        }
        break;
      default:
    }
  }

  private readFormat(type: number, buf: Buffer, start: number, length: number, offset: number, time: number): void {
    if (type !== EventType.FORMAT_DESCRIPTION) {
      throw this.corrupt(offset, `first event is ${eventTypeName(type)}, a binlog starts with a Format_description event`);
    }
    this.format = decodeFormatDescription(buf, start, length, offset, this.file);
    this.scanner.checksumLength = this.format.checksum === 'crc32' ? CHECKSUM_LENGTH : 0;
    this.scanner.endPositionMayBeZero = this.format.flavor === 'mariadb';
    this.queryPostHeaderLength = this.format.postHeaderLengths[EventType.QUERY - 1] ?? DEFAULT_QUERY_POST_HEADER_LENGTH;
    this.rotatePostHeaderLength = this.format.postHeaderLengths[EventType.ROTATE - 1] ?? DEFAULT_ROTATE_POST_HEADER_LENGTH;
    this.firstEventSeconds = time;
  }

  private onQuery(buf: Buffer, body: number, bodyEnd: number, offset: number, end: number, time: number): void {
    if (!this.boundaries.open) return;
    if (bodyEnd - body < this.queryPostHeaderLength) throw this.corrupt(offset, 'Query event is shorter than its post-header');
    const textStart =
      body + this.queryPostHeaderLength + buf.readUInt16LE(body + QUERY_STATUS_VARS_LENGTH_AT) + buf[body + QUERY_DB_LENGTH_AT]! + 1;
    if (textStart > bodyEnd) throw this.corrupt(offset, 'Query event status variables and database name run past its end');
    if (this.boundaries.query(classifyQuery(buf, textStart, bodyEnd))) this.endTransaction(end, time);
  }

  private startTransaction(offset: number): void {
    if (this.boundaries.open) {
      throw this.corrupt(
        offset,
        `GTID event inside the unfinished transaction ${this.trxGtid ?? '(anonymous)'} that starts at offset ${this.trxStart}`,
      );
    }
    this.trxStart = offset;
  }

  private onMysqlGtid(type: number, buf: Buffer, body: number, bodyEnd: number, offset: number, time: number): void {
    this.startTransaction(offset);
    const info =
      type === EventType.GTID_TAGGED
        ? decodeTaggedGtid(buf, body, bodyEnd, this.uuids)
        : decodeUntaggedGtid(buf, body, bodyEnd, this.uuids);
    const anonymous = type === EventType.ANONYMOUS_GTID;
    if (info === undefined || (!anonymous && (info.gno < 1n || info.gno > MAX_GNO)))
      throw this.corrupt(offset, `malformed ${eventTypeName(type)} event`);
    this.trxMysql = anonymous ? undefined : info;
    this.trxGtid = anonymous ? null : `${info.sourceId}:${info.gno}`;
    this.trxCommitTime = info.commitMicros === undefined ? seconds(time) : { micros: info.commitMicros, precision: 'us' };
    this.boundaries.start(false);
  }

  private onMariadbGtid(buf: Buffer, start: number, body: number, bodyEnd: number, offset: number): void {
    this.startTransaction(offset);
    const info = decodeMariadbGtid(buf, body, bodyEnd);
    if (info === undefined) throw this.corrupt(offset, 'malformed Gtid event');
    const server = buf.readUInt32LE(start + HeaderOffset.SERVER_ID);
    this.trxMariadb = { domain: info.domain, server, seq: info.seq };
    this.trxGtid = `${info.domain}-${server}-${info.seq}`;
    // MariaDB stamps events with their statement's start, so the commit time is taken from
    // the transaction's last event (its COMMIT or XID) when it arrives.
    this.trxCommitTime = undefined;
    this.boundaries.start(!info.standalone);
  }

  private endTransaction(end: number, time: number): void {
    const mysql = this.trxMysql;
    if (mysql !== undefined && mysql.transactionLength !== 0 && mysql.transactionLength !== end - this.trxStart) {
      throw this.corrupt(
        this.trxStart,
        `transaction ${this.trxGtid} spans ${end - this.trxStart} bytes of events, but its Gtid event says ${mysql.transactionLength}`,
      );
    }
    const commitTime = this.trxCommitTime ?? seconds(time);
    if (this.trxMariadb !== undefined) {
      const { domain, server, seq } = this.trxMariadb;
      try {
        this.mariadbGtids.add(domain, server, seq);
      } catch (err) {
        throw this.corrupt(this.trxStart, `Gtid event holds an invalid GTID: ${err instanceof Error ? err.message : String(err)}`);
      }
      this.mariadbLastGtid.set(domain, this.trxMariadb);
    } else if (mysql !== undefined) {
      try {
        this.mysqlGtids.add(mysql.sourceId, mysql.gno);
      } catch (err) {
        // Only a file without checksums can carry a tag no server would write.
        throw this.corrupt(this.trxStart, `Gtid event holds an invalid GTID: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    const gtid = this.trxGtid;
    if (gtid !== null) {
      this.firstGtid ??= gtid;
      this.lastGtid = gtid;
    }
    this.firstCommitTime ??= commitTime;
    this.lastCommitTime = commitTime;
    this.transactions++;
    this.trxMysql = undefined;
    this.trxMariadb = undefined;
    this.onTransaction({ gtid, start: this.trxStart, end, commitTime });
  }

  private onPreviousGtids(buf: Buffer, body: number, bodyEnd: number, offset: number): void {
    const entries = decodePreviousGtids(buf, body, bodyEnd, this.uuids);
    if (entries === undefined) throw this.corrupt(offset, 'malformed Previous_gtids event');
    this.mysqlPrevious = MysqlGtidSet.fromIntervals(entries.map((entry) => [entry.sourceId, entry.intervals]));
  }

  private onMariadbGtidList(buf: Buffer, body: number, bodyEnd: number, offset: number): void {
    const entries = decodeMariadbGtidList(buf, body, bodyEnd);
    if (entries === undefined) throw this.corrupt(offset, 'malformed Gtid_list event');
    this.mariadbGtidList = entries;
  }

  private corrupt(offset: number, what: string): BinlogCorruptError {
    return new BinlogCorruptError(offset, what, this.file);
  }
}
