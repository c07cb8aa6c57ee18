import { BinlogCorruptError, BinlogUnsupportedError, crcMismatch } from './errors';
import { BINLOG_MAGIC, CHECKSUM_LENGTH, eventTypeName, HEADER_LENGTH, HeaderOffset, MYSQL_ENCRYPTED_MAGIC } from './event-types';
import { crc32, viewOf } from './crc32';
import { uint32At } from './uint32';

/** Receives each complete, checksum-verified event from an EventScanner. */
export interface EventSink {
  /**
   * How many leading bytes of an event the sink needs contiguous in one buffer; only
   * consulted for events that span chunks (the rest of such an event is checksummed
   * as it streams past and never copied).
   */
  bytesWanted(type: number, length: number): number;
  /**
   * buf[start, start + available) holds the event's first `available` bytes (all
   * `length` of them unless bytesWanted asked for fewer); `offset` is its file position.
   * The bytes are only valid during the call.
   */
  event(buf: Buffer, start: number, available: number, length: number, offset: number): void;
}

const NO_PENDING = -1;

/**
 * Frames a binlog byte stream into events, chunk by chunk: checks the magic, each
 * event header's length against its end position, and (once told the file has
 * checksums) each event's CRC32. Events wholly inside a chunk are handed over in place;
 * only the wanted head of an event that spans chunks is copied.
 */
export class EventScanner {
  /** 4 once the Format_description event says events carry a CRC32; 0 before and otherwise. */
  checksumLength = 0;
  /**
   * MariaDB 11.4+ leaves the end position of events written from a transaction's cache at 0
   * (unless binlog_legacy_event_pos=ON); set once the Format_description event names MariaDB.
   */
  endPositionMayBeZero = false;
  /** File offset of the next event to frame (of the pending one while it is incomplete). */
  private offset = 0;
  private magic = Buffer.alloc(BINLOG_MAGIC.length);
  private magicFilled = 0;
  private assembly = Buffer.alloc(64 * 1024);
  /** Bytes of the pending (chunk-spanning) event consumed so far, or NO_PENDING. */
  private pendingFilled = NO_PENDING;
  /** The pending event's length, or NO_PENDING while its header is incomplete. */
  private pendingLength = NO_PENDING;
  private pendingWanted = 0;
  private pendingCrc = 0;
  private readonly storedCrc = Buffer.alloc(CHECKSUM_LENGTH);

  constructor(
    private readonly sink: EventSink,
    private readonly file?: string,
  ) {}

  /** Bytes consumed so far. */
  get position(): number {
    return this.pendingFilled === NO_PENDING ? this.offset : this.offset + this.pendingFilled;
  }

  /** Where the last whole event ends: the offset of the next one. */
  get wholeEventsEnd(): number {
    return this.offset;
  }

  /** Part of an event has been read, not all of it. */
  get midEvent(): boolean {
    return this.pendingFilled !== NO_PENDING;
  }

  push(chunk: Buffer): void {
    let pos = 0;
    if (this.magicFilled < BINLOG_MAGIC.length) {
      pos = this.consumeMagic(chunk);
      if (this.magicFilled < BINLOG_MAGIC.length) return;
    }
    if (this.pendingFilled !== NO_PENDING) {
      pos = this.continuePending(chunk, pos);
      if (this.pendingFilled !== NO_PENDING) return;
    }
    const size = chunk.length;
    const view = viewOf(chunk);
    while (size - pos >= HEADER_LENGTH) {
      const length = uint32At(chunk, pos + HeaderOffset.EVENT_SIZE);
      this.checkHeader(chunk, pos, length);
      if (size - pos < length) break;
      if (this.checksumLength !== 0) {
        const crcAt = pos + length - CHECKSUM_LENGTH;
        this.checkCrc(chunk[pos + HeaderOffset.TYPE]!, uint32At(chunk, crcAt), crc32(chunk, pos, crcAt, 0, view));
      }
      this.sink.event(chunk, pos, length, length, this.offset);
      pos += length;
      this.offset += length;
    }
    if (pos < size) {
      this.pendingFilled = 0;
      this.pendingLength = NO_PENDING;
      this.continuePending(chunk, pos);
    }
  }

  /** Call at end of input: anything left unfinished means the file is truncated. */
  finish(): void {
    if (this.magicFilled < BINLOG_MAGIC.length) {
      throw this.corrupt(0, `file is ${this.magicFilled} bytes long, shorter than the 4-byte binlog magic`);
    }
    if (this.pendingFilled === NO_PENDING) return;
    if (this.pendingLength === NO_PENDING) {
      throw this.corrupt(this.offset, `file ends inside an event header (${this.pendingFilled} of ${HEADER_LENGTH} bytes present)`);
    }
    const name = eventTypeName(this.assembly[HeaderOffset.TYPE]!);
    throw this.corrupt(
      this.offset,
      `${name} event of ${this.pendingLength} bytes runs past the end of the file (only ${this.pendingFilled} bytes present)`,
    );
  }

  private consumeMagic(chunk: Buffer): number {
    const take = Math.min(BINLOG_MAGIC.length - this.magicFilled, chunk.length);
    chunk.copy(this.magic, this.magicFilled, 0, take);
    this.magicFilled += take;
    if (this.magicFilled === BINLOG_MAGIC.length) {
      if (this.magic.equals(MYSQL_ENCRYPTED_MAGIC)) {
        throw new BinlogUnsupportedError(
          'it is a MySQL encrypted binlog (binlog_encryption=ON)',
          "archive and read binlogs of servers with binlog_encryption=OFF, or decrypt the file with the server's keyring first",
          this.file,
        );
      }
      if (!this.magic.equals(BINLOG_MAGIC)) {
        throw this.corrupt(0, `bad magic ${this.magic.toString('hex')}, a binlog starts with fe62696e ("\\xfebin")`);
      }
      this.offset = BINLOG_MAGIC.length;
    }
    return take;
  }

  private checkHeader(buf: Buffer, at: number, length: number): void {
    if (length < HEADER_LENGTH + this.checksumLength) {
      throw this.corrupt(
        this.offset,
        `event length ${length} is shorter than the event header${this.checksumLength ? ' and checksum' : ''}`,
      );
    }
    const endPosition = uint32At(buf, at + HeaderOffset.LOG_POS);
    // Modulo 2^32, as the 32-bit field wraps in files past 4 GiB; `% 2 ** 32` would be a float fmod call per event.
    const expected = (this.offset + length) >>> 0;
    if (endPosition !== expected && !(endPosition === 0 && this.endPositionMayBeZero)) {
      throw this.corrupt(
        this.offset,
        `${eventTypeName(buf[at + HeaderOffset.TYPE]!)} event header says it ends at ${endPosition}, but its length ${length} makes it end at ${this.offset + length}`,
      );
    }
  }

  private checkCrc(type: number, stored: number, computed: number): void {
    if (stored !== computed) throw this.corrupt(this.offset, crcMismatch(eventTypeName(type), stored, computed));
  }

  /** Feeds chunk[pos...] to the event that spans chunks; returns the position after what it took. */
  private continuePending(chunk: Buffer, pos: number): number {
    if (this.pendingLength === NO_PENDING) {
      const take = Math.min(HEADER_LENGTH - this.pendingFilled, chunk.length - pos);
      chunk.copy(this.assembly, this.pendingFilled, pos, pos + take);
      this.pendingFilled += take;
      pos += take;
      if (this.pendingFilled < HEADER_LENGTH) return pos;
      const length = this.assembly.readUInt32LE(HeaderOffset.EVENT_SIZE);
      this.checkHeader(this.assembly, 0, length);
      this.pendingLength = length;
      const wanted = this.sink.bytesWanted(this.assembly[HeaderOffset.TYPE]!, length);
      this.pendingWanted = Math.min(length, Math.max(HEADER_LENGTH, wanted));
      if (this.assembly.length < this.pendingWanted) {
        const grown = Buffer.alloc(Math.max(this.pendingWanted, this.assembly.length * 2));
        this.assembly.copy(grown, 0, 0, HEADER_LENGTH);
        this.assembly = grown;
      }
      this.pendingCrc = this.checksumLength ? crc32(this.assembly, 0, HEADER_LENGTH) : 0;
    }
    const length = this.pendingLength;
    const from = this.pendingFilled;
    const to = from + Math.min(length - from, chunk.length - pos);
    if (from < this.pendingWanted) {
      chunk.copy(this.assembly, from, pos, pos + Math.min(to, this.pendingWanted) - from);
    }
    if (this.checksumLength !== 0) {
      const crcAt = length - CHECKSUM_LENGTH;
      if (from < crcAt) this.pendingCrc = crc32(chunk, pos, pos + Math.min(to, crcAt) - from, this.pendingCrc);
      for (let i = Math.max(from, crcAt); i < to; i++) this.storedCrc[i - crcAt] = chunk[pos + i - from]!;
    }
    pos += to - from;
    this.pendingFilled = to;
    if (to < length) return pos;
    if (this.checksumLength !== 0) {
      this.checkCrc(this.assembly[HeaderOffset.TYPE]!, this.storedCrc.readUInt32LE(0), this.pendingCrc);
    }
    this.pendingFilled = NO_PENDING;
    this.sink.event(this.assembly, 0, this.pendingWanted, length, this.offset);
    this.offset += length;
    return pos;
  }

  private corrupt(offset: number, what: string): BinlogCorruptError {
    return new BinlogCorruptError(offset, what, this.file);
  }
}
