import { Transform, type TransformCallback } from 'node:stream';
import { SYSTEM_SCHEMAS } from './system-schemas';

/** What a mysqldump/mariadb-dump stream says about itself, read while it is written. */
export interface DumpFindings {
  /** MySQL: the `SET @@GLOBAL.GTID_PURGED` set; MariaDB: the `gtid_slave_pos` comment. Whitespace removed. */
  gtid?: string;
  binlogFile?: string;
  binlogPosition?: number;
  /** `db.table` of every user table whose structure the dump holds, sorted. */
  tables: string[];
  /** The tool's closing `-- Dump completed` comment was seen. */
  completed: boolean;
}

const MYSQL_GTID_START = 'SET @@GLOBAL.GTID_PURGED=';
/** The set can span lines: the server prints `,\n` between sources. */
const MYSQL_GTID = /^SET @@GLOBAL\.GTID_PURGED=(?:\/\*!80000 '\+'\*\/ )?'([^']*)';/;
const MARIADB_GTID = /^(?:-- )?SET GLOBAL gtid_slave_pos='([^']*)';/;
/** mysqldump 9.7 writes `CHANGE REPLICATION SOURCE TO SOURCE_...`, mariadb-dump `CHANGE MASTER TO MASTER_...`. */
const BINLOG_POSITION =
  /^(?:-- )?CHANGE (?:REPLICATION SOURCE|MASTER) TO (?:SOURCE|MASTER)_LOG_FILE='([^']+)', (?:SOURCE|MASTER)_LOG_POS=(\d+);/;
const CURRENT_DATABASE = /^-- Current Database: `((?:[^`]|``)+)`$/;
const TABLE_STRUCTURE = /^-- Table structure for table `((?:[^`]|``)+)`$/;
const DUMP_COMPLETED = /^-- Dump completed/;

const DASH = 0x2d;
const CAPITAL_S = 0x53;

function unquote(identifier: string): string {
  return identifier.replace(/``/g, '`');
}

/** Recognises the lines of a dump that carry its coordinate and its table list. */
export class DumpLineScanner {
  private database: string | undefined;
  private pendingGtid: string | undefined;
  private readonly findings: DumpFindings = { tables: [], completed: false };
  private readonly tables = new Set<string>();

  constructor(private readonly flavor: 'mysql' | 'mariadb') {}

  /** Every interesting line starts with `-` or `S` (or continues a GTID set): others are row data, skipped unread. */
  wantsLineStartingWith(firstByte: number): boolean {
    return this.pendingGtid !== undefined || firstByte === DASH || firstByte === CAPITAL_S;
  }

  line(text: string): void {
    if (this.pendingGtid !== undefined || (this.flavor === 'mysql' && text.startsWith(MYSQL_GTID_START))) {
      this.continueMysqlGtid(text);
      return;
    }
    if (this.flavor === 'mariadb' && this.findings.gtid === undefined) {
      const gtid = MARIADB_GTID.exec(text);
      if (gtid) this.findings.gtid = (gtid[1] as string).replace(/\s+/g, '');
    }
    const position = this.findings.binlogFile === undefined ? BINLOG_POSITION.exec(text) : null;
    if (position) {
      this.findings.binlogFile = position[1] as string;
      this.findings.binlogPosition = Number(position[2]);
      return;
    }
    const database = CURRENT_DATABASE.exec(text);
    if (database) {
      this.database = unquote(database[1] as string);
      return;
    }
    const table = TABLE_STRUCTURE.exec(text);
    if (table && this.database !== undefined && !SYSTEM_SCHEMAS.has(this.database)) {
      this.tables.add(`${this.database}.${unquote(table[1] as string)}`);
      return;
    }
    if (DUMP_COMPLETED.test(text)) this.findings.completed = true;
  }

  result(): DumpFindings {
    return { ...this.findings, tables: [...this.tables].sort() };
  }

  private continueMysqlGtid(text: string): void {
    const statement = this.pendingGtid === undefined ? text : `${this.pendingGtid}\n${text}`;
    const gtid = MYSQL_GTID.exec(statement);
    if (gtid) {
      this.findings.gtid ??= (gtid[1] as string).replace(/\s+/g, '');
      this.pendingGtid = undefined;
    } else {
      // A statement that ended without matching is not the one we know: stop collecting it.
      this.pendingGtid = statement.includes("';") ? undefined : statement;
    }
  }
}

/** Longest line handed to the scanner; longer lines are row data (extended INSERTs). */
const MAX_SCANNED_LINE = 1024 * 1024;

/**
 * Passes a dump stream through unchanged while feeding its lines to a `DumpLineScanner`,
 * so the coordinate is known when the last byte is written, without reading the file again.
 */
export class DumpTap extends Transform {
  bytes = 0;
  private pieces: Buffer[] = [];
  private pieceBytes = 0;
  private lineState: 'start' | 'keep' | 'skip' = 'start';

  constructor(
    private readonly scanner: DumpLineScanner,
    private readonly onBytes?: (bytes: number) => void,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    this.scan(chunk);
    this.onBytes?.(this.bytes);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.endLine();
    callback();
  }

  private scan(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(0x0a, start);
      const segment = chunk.subarray(start, newline < 0 ? chunk.length : newline);
      if (segment.length > 0) this.collect(segment);
      if (newline < 0) return;
      this.endLine();
      start = newline + 1;
    }
  }

  private collect(segment: Buffer): void {
    if (this.lineState === 'start') {
      this.lineState = this.scanner.wantsLineStartingWith(segment[0] as number) ? 'keep' : 'skip';
    }
    if (this.lineState !== 'keep') return;
    if (this.pieceBytes + segment.length > MAX_SCANNED_LINE) {
      this.lineState = 'skip';
      this.pieces = [];
      return;
    }
    this.pieces.push(Buffer.from(segment));
    this.pieceBytes += segment.length;
  }

  private endLine(): void {
    if (this.lineState === 'keep') this.scanner.line(Buffer.concat(this.pieces).toString('utf8').replace(/\r$/, ''));
    this.pieces = [];
    this.pieceBytes = 0;
    this.lineState = 'start';
  }
}
