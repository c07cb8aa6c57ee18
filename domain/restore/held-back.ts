import { historyUnion } from '../archive/history';
import { isoMicros, secondStartMicros } from '../archive/recoverable';
import type { Flavor } from '../backup';
import type { BinlogTime, BinlogTransaction } from '../binlog/types';
import { mariadbGtid, MariadbGtidSetBuilder } from '../gtid';

/**
 * Transactions a restore to an instant leaves out although they may have committed at or
 * before it: the binlog stamps them with a whole second (MariaDB's event headers, a MySQL
 * binlog without commit timestamps) that holds the instant, so the stamp alone cannot place
 * them on either side of it.
 */
export interface HeldBack {
  /** The whole second stamped on the first of them: the one the instant falls in. */
  second: string;
  transactions: number;
  /** Exactly those transactions: a MySQL GTID set, MariaDB runs `domain-server-first..last`. */
  gtids: string;
  /** A restore target that includes them all: everything through the last of them. */
  includeAllTarget: string;
}

/**
 * The latest instant a transaction stamped `time` can have committed at. A whole-second stamp is
 * the second its statement started in, truncated: the commit lies somewhere inside that second.
 */
export function latestCommitMicros(time: BinlogTime): number {
  return time.precision === 's' ? secondStartMicros(time.micros) + 999_999 : time.micros;
}

/**
 * The latest instant `trx` can have committed at: when a live stream received it from the
 * server that committed it, no later than that; else as its stamp says.
 */
export function latestCommitOf(trx: BinlogTransaction): number {
  return trx.commitTime.precision === 's' && trx.received ? trx.received.byMicros : latestCommitMicros(trx.commitTime);
}

/**
 * The earliest instant `trx` can have committed at: its stamp's start, or, when a live stream
 * received it from the server that committed it, no earlier than the stream's last look
 * without it (a live stream receives a commit as the network delivers it).
 */
export function earliestCommitOf(trx: BinlogTransaction): number {
  if (trx.commitTime.precision !== 's') return trx.commitTime.micros;
  const stamped = secondStartMicros(trx.commitTime.micros);
  return trx.received ? Math.max(stamped, trx.received.afterMicros) : stamped;
}

/**
 * The earliest commit stamp a flavor's binlog may give a transaction that committed after
 * `micros`: a stamp is at or after it exactly when `latestCommitMicros` of it is after `micros`.
 */
export function earliestStampAfter(flavor: Flavor, micros: number): number {
  return commitPrecision(flavor) === 's' ? Math.ceil((micros - 999_998) / 1_000_000) * 1_000_000 : micros + 1;
}

/** How finely a flavor's binlog stamps commits: MySQL's GTID events carry microseconds, MariaDB's headers seconds. */
export function commitPrecision(flavor: Flavor): BinlogTime['precision'] {
  return flavor === 'mysql' ? 'us' : 's';
}

function transactionsText(flavor: Flavor, gtids: readonly string[]): string {
  if (flavor === 'mysql') return historyUnion('mysql', gtids);
  const builder = new MariadbGtidSetBuilder();
  for (const gtid of gtids) {
    const [domain, server, seq] = gtid.split('-');
    const { domain: d, server: s, seq: n } = mariadbGtid(Number(domain), Number(server), BigInt(seq!));
    builder.add(d, s, n);
  }
  return builder.build().toString();
}

/**
 * What a stop before `after` holds back at `targetMicros`: the transactions from `after` on that
 * may have committed at or before the target, or null when every one of them is surely later.
 * `applied` is the GTID state the restore reaches; `after` the transactions that follow it, in
 * binlog order.
 */
export function heldBackAt(
  flavor: Flavor,
  targetMicros: number,
  applied: string,
  after: readonly (BinlogTransaction & { gtid: string })[],
): HeldBack | null {
  // Commit order is binlog order: after one that surely committed later, all did.
  const later = after.findIndex((t) => earliestCommitOf(t) > targetMicros);
  const undecided = later < 0 ? after : after.slice(0, later);
  const last = undecided[undecided.length - 1];
  if (last === undefined) return null;
  const through = after.slice(0, after.indexOf(last) + 1).map((t) => t.gtid);
  return {
    second: isoMicros(secondStartMicros(undecided[0]!.commitTime.micros)).replace('.000000Z', 'Z'),
    transactions: undecided.length,
    gtids: transactionsText(
      flavor,
      undecided.map((t) => t.gtid),
    ),
    includeAllTarget: `gtid:${historyUnion(flavor, [applied, ...through])}`,
  };
}
