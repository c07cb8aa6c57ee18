import type { BinlogFlavor, BinlogSummary, BinlogTransaction } from '../binlog/types';
import { MysqlGtidSet } from '../gtid';
import { MariadbBinlogState } from './mariadb-binlog-state';

/**
 * A piece of a binlog a stream seals: the bytes from the end of the piece before it (or the
 * file's start) to the end of its last whole transaction, or to the file's end once the server
 * closed it. A transaction is never cut: what is registered is recoverable whole.
 */
export interface PieceBounds {
  start: number;
  end: number;
  closesFile: boolean;
  transactions: BinlogTransaction[];
}

/**
 * The next piece of a file read through `readTo` whole events, with `pending` the whole
 * transactions after `start` in file order; undefined while there is nothing to seal. A piece
 * stops at the last transaction within `maxBytes` (or after the first one, if it alone is
 * longer); it closes the file when it reaches its Rotate or Stop event.
 */
export function nextPiece(
  start: number,
  pending: readonly BinlogTransaction[],
  file: { readTo: number; endsFile: boolean },
  maxBytes: number,
): PieceBounds | undefined {
  let count = 0;
  while (count < pending.length && (count === 0 || pending[count]!.end - start <= maxBytes)) count++;
  if (count === pending.length && file.endsFile && file.readTo > start) {
    return { start, end: file.readTo, closesFile: true, transactions: [...pending] };
  }
  if (count === 0) return undefined;
  return { start, end: pending[count - 1]!.end, closesFile: false, transactions: pending.slice(0, count) };
}

/**
 * What continuity reads of a piece's transactions: MySQL, their GTID set; MariaDB, the last GTID
 * of each domain and server id among them (a binlog state), as for a whole file.
 */
export function pieceGtids(flavor: BinlogFlavor, transactions: readonly BinlogTransaction[]): string {
  const gtids = transactions.flatMap((t) => (t.gtid === null ? [] : [t.gtid]));
  return flavor === 'mysql' ? MysqlGtidSet.parse(gtids.join(',')).toString() : MariadbBinlogState.parse(gtids.join(',')).toString();
}

/** The history a server reached after a piece: what the next piece's previous GTIDs are. */
export function historyAfter(flavor: BinlogFlavor, previous: string, gtids: string): string {
  return flavor === 'mysql'
    ? MysqlGtidSet.parse(previous).union(MysqlGtidSet.parse(gtids)).toString()
    : MariadbBinlogState.parse(previous).union(MariadbBinlogState.parse(gtids)).toString();
}

/**
 * A piece's summary, as an archive pass records a whole file's: the file's own facts (flavor,
 * server, creation time) from `file`, the history before the piece, and its transactions.
 */
export function pieceSummary(file: BinlogSummary, previousGtids: string, piece: PieceBounds, gtids: string): BinlogSummary {
  const trx = piece.transactions;
  const first = trx[0];
  const last = trx[trx.length - 1];
  const named = trx.filter((t) => t.gtid !== null);
  return {
    ...file,
    previousGtids,
    gtids,
    endPosition: historyAfter(file.flavor, previousGtids, gtids),
    firstGtid: named[0]?.gtid ?? null,
    lastGtid: named[named.length - 1]?.gtid ?? null,
    transactions: trx.length,
    lastEventTime: last?.commitTime ?? file.lastEventTime,
    firstCommitTime: first?.commitTime ?? null,
    lastCommitTime: last?.commitTime ?? null,
    bytes: piece.end - piece.start,
    closed: piece.closesFile,
    rotateTo: piece.closesFile ? file.rotateTo : null,
    unfinishedTransactionAt: null,
  };
}
