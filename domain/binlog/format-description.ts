import { BinlogCorruptError, crcMismatch } from './errors';
import { CHECKSUM_LENGTH, HEADER_LENGTH, HeaderOffset, LOG_EVENT_BINLOG_IN_USE_F } from './event-types';
import { crc32 } from './crc32';
import type { BinlogFlavor, ChecksumAlgorithm } from './types';

/** What the Format_description event (always the first event, at offset 4) says about a file. */
export interface FormatDescription {
  flavor: BinlogFlavor;
  serverVersion: string;
  serverId: number;
  checksum: ChecksumAlgorithm;
  /** LOG_EVENT_BINLOG_IN_USE_F: the server had the file open when this copy was taken. */
  inUse: boolean;
  /** Post-header lengths by event type (index = type - 1). */
  postHeaderLengths: Buffer;
}

const BINLOG_VERSION = 4;
const SERVER_VERSION_LENGTH = 50;
// binlog_version(2) server_version(50) create_timestamp(4) common_header_length(1)
const FIXED_BODY_LENGTH = 2 + SERVER_VERSION_LENGTH + 4 + 1;
const CHECKSUM_ALG_LENGTH = 1;
const CHECKSUM_ALG_OFF = 0;
const CHECKSUM_ALG_CRC32 = 1;

/** Servers older than these write no checksum-algorithm byte (MySQL 5.6.1, MariaDB 5.3). */
function isChecksumAware(flavor: BinlogFlavor, version: number[]): boolean {
  const [major = 0, minor = 0, patch = 0] = version;
  const product = major * 10000 + minor * 100 + patch;
  return product >= (flavor === 'mariadb' ? 50300 : 50601);
}

/**
 * Decodes the FDE in buf[start, start + length) and verifies its own CRC32, which servers
 * compute with the in-use flag cleared (they clear it in place on close without rewriting
 * the checksum).
 */
export function decodeFormatDescription(buf: Buffer, start: number, length: number, offset: number, file?: string): FormatDescription {
  const corrupt = (what: string): BinlogCorruptError => new BinlogCorruptError(offset, what, file);
  if (length < HEADER_LENGTH + FIXED_BODY_LENGTH) {
    throw corrupt(`Format_description event is ${length} bytes, shorter than its fixed part`);
  }
  const body = start + HEADER_LENGTH;
  const binlogVersion = buf.readUInt16LE(body);
  if (binlogVersion !== BINLOG_VERSION) {
    throw corrupt(
      `Format_description event has binlog version ${binlogVersion}; only version ${BINLOG_VERSION} (MySQL 5.0+, MariaDB) is known`,
    );
  }
  const versionBytes = buf.subarray(body + 2, body + 2 + SERVER_VERSION_LENGTH);
  const nul = versionBytes.indexOf(0);
  const serverVersion = versionBytes.toString('latin1', 0, nul === -1 ? SERVER_VERSION_LENGTH : nul);
  if (!/^\d+\.\d+\.\d+/.test(serverVersion)) {
    throw corrupt(`Format_description event has an unreadable server version ${JSON.stringify(serverVersion)}`);
  }
  const commonHeaderLength = buf[body + 2 + SERVER_VERSION_LENGTH + 4]!;
  if (commonHeaderLength !== HEADER_LENGTH) {
    throw corrupt(
      `Format_description event declares a ${commonHeaderLength}-byte event header; binlog v4 headers are ${HEADER_LENGTH} bytes`,
    );
  }
  const flavor: BinlogFlavor = serverVersion.includes('MariaDB') ? 'mariadb' : 'mysql';
  const versionNumbers = serverVersion.split(/[.-]/, 3).map((part) => Number.parseInt(part, 10));
  const end = start + length;
  let postHeaderEnd = end;
  let checksum: ChecksumAlgorithm = 'none';
  if (isChecksumAware(flavor, versionNumbers)) {
    postHeaderEnd = end - CHECKSUM_ALG_LENGTH - CHECKSUM_LENGTH;
    if (postHeaderEnd < body + FIXED_BODY_LENGTH) {
      throw corrupt(`Format_description event is ${length} bytes, too short to hold its checksum algorithm`);
    }
    const algorithm = buf[postHeaderEnd]!;
    if (algorithm === CHECKSUM_ALG_CRC32) checksum = 'crc32';
    else if (algorithm !== CHECKSUM_ALG_OFF) {
      throw corrupt(`Format_description event names unknown checksum algorithm ${algorithm}`);
    }
  }
  const flags = buf.readUInt16LE(start + HeaderOffset.FLAGS);
  // Checksum-aware servers checksum the FDE itself even when the file's events carry none.
  if (postHeaderEnd !== end) {
    const copy = Buffer.from(buf.subarray(start, end));
    copy.writeUInt16LE(flags & ~LOG_EVENT_BINLOG_IN_USE_F, HeaderOffset.FLAGS);
    const stored = copy.readUInt32LE(length - CHECKSUM_LENGTH);
    const computed = crc32(copy, 0, length - CHECKSUM_LENGTH);
    if (stored !== computed) throw corrupt(crcMismatch('Format_description', stored, computed));
  }
  return {
    flavor,
    serverVersion,
    serverId: buf.readUInt32LE(start + HeaderOffset.SERVER_ID),
    checksum,
    inUse: (flags & LOG_EVENT_BINLOG_IN_USE_F) !== 0,
    postHeaderLengths: Buffer.from(buf.subarray(body + FIXED_BODY_LENGTH, postHeaderEnd)),
  };
}
