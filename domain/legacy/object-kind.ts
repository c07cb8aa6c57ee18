export type Compression = 'none' | 'gzip' | 'zstd';

const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);
const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);
const BINLOG_MAGIC = Buffer.from([0xfe, 0x62, 0x69, 0x6e]);

/** Bytes of an object (or of its decompressed content) enough to tell what it is. */
export const SNIFF_BYTES = 512;

/** How an object is compressed, from its first bytes: an older system's names say nothing reliable. */
export function compressionOf(head: Buffer): Compression {
  if (head.subarray(0, GZIP_MAGIC.length).equals(GZIP_MAGIC)) return 'gzip';
  if (head.subarray(0, ZSTD_MAGIC.length).equals(ZSTD_MAGIC)) return 'zstd';
  return 'none';
}

export type ContentKind = { kind: 'binlog' } | { kind: 'dump'; flavor: 'mysql' | 'mariadb' } | { kind: 'unknown'; reason: string };

/** MariaDB 10.11.8+ and 11.x dumps open with a sandbox-mode comment before the tool's banner. */
const DUMP_BANNER = /^(?:\/\*M!999999\\- enable the sandbox mode \*\/\s*)?-- (MySQL|MariaDB) dump /;

/** What the (decompressed) content is, from its first bytes. */
export function contentKindOf(head: Buffer): ContentKind {
  if (head.length === 0) return { kind: 'unknown', reason: 'empty object' };
  if (head.subarray(0, BINLOG_MAGIC.length).equals(BINLOG_MAGIC)) return { kind: 'binlog' };
  const banner = DUMP_BANNER.exec(head.toString('latin1'));
  if (banner) return { kind: 'dump', flavor: banner[1] === 'MySQL' ? 'mysql' : 'mariadb' };
  return {
    kind: 'unknown',
    reason: 'neither a binlog (magic \\xfebin) nor a mysqldump or mariadb-dump file (banner "-- MySQL dump" or "-- MariaDB dump")',
  };
}
