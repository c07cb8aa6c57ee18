import type { IndexedBinlog } from '../../../adapters/apply/binlog-files';
import type { BinlogFlavor } from '../../../domain/binlog/types';

export const SOURCE = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
export const OTHER = '4a22fb58-82db-22f2-af44-d91bb0530673';

/** Bytes before the first transaction of every made-up file (magic, Format_description, Previous_gtids). */
const HEADER_BYTES = 200;
const TRANSACTION_BYTES = 100;

/**
 * An indexed binlog as the reader would return it: transactions of TRANSACTION_BYTES each,
 * back to back after the header. Only the fields the apply reads are meaningful.
 */
export function binlog(
  flavor: BinlogFlavor,
  path: string,
  previousGtids: string,
  gtids: Array<string | null>,
  serverId = 1,
): IndexedBinlog {
  const transactions = gtids.map((gtid, i) => ({
    gtid,
    start: HEADER_BYTES + i * TRANSACTION_BYTES,
    end: HEADER_BYTES + (i + 1) * TRANSACTION_BYTES,
    commitTime: { micros: 0, precision: 'us' as const },
  }));
  const bytes = HEADER_BYTES + gtids.length * TRANSACTION_BYTES;
  return {
    path,
    transactions,
    summary: {
      flavor,
      serverVersion: flavor === 'mysql' ? '9.7.4' : '10.11.19-MariaDB',
      serverId,
      checksum: 'crc32',
      previousGtids,
      gtids: '',
      endPosition: '',
      firstGtid: gtids[0] ?? null,
      lastGtid: gtids[gtids.length - 1] ?? null,
      transactions: gtids.length,
      firstEventTime: null,
      lastEventTime: null,
      firstCommitTime: null,
      lastCommitTime: null,
      events: 0,
      bytes,
      closed: true,
      rotateTo: null,
      unfinishedTransactionAt: null,
    },
  };
}

/** `SOURCE:from`..`SOURCE:to`, one GTID each. */
export function mysqlRange(from: number, to: number, source = SOURCE): string[] {
  return Array.from({ length: to - from + 1 }, (_, i) => `${source}:${from + i}`);
}

/** Start offset of the k-th (0-based) transaction of a made-up file, and its end. */
export const startOf = (k: number): number => HEADER_BYTES + k * TRANSACTION_BYTES;
export const endOf = (k: number): number => HEADER_BYTES + (k + 1) * TRANSACTION_BYTES;
export { TRANSACTION_BYTES };
