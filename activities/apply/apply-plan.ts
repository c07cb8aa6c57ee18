import type { GtidAlgebra } from '../../domain/gtid';
import type { IndexedBinlog } from './binlog-files';
import { ApplyPlanError } from './errors';
import type { FlavorGtids } from './flavor-gtids';
import type { ApplyStop } from './types';

export interface PendingTransaction {
  gtid: string;
  /** Bytes of the pending transactions up to and including this one. */
  bytesThrough: number;
}

export interface PlannedFile {
  path: string;
  /** server_id of the server that wrote the file. */
  serverId: number;
}

/**
 * What to apply: the files from the one holding the first transaction the restored server
 * lacks (at `startOffset`) to the one holding the stop transaction (ending at `stopOffset`).
 * Empty `files` means there is nothing to apply.
 */
export interface ApplyPlan<T> {
  files: PlannedFile[];
  startOffset: number;
  stopOffset: number;
  /** The transactions the restored server lacks, in binlog order. */
  pending: PendingTransaction[];
  bytesTotal: number;
  restored: T;
  /** The restored state plus every transaction up to the stop: exactly what the server must hold afterwards. */
  expected: T;
}

interface Located {
  file: number;
  gtid: string;
  start: number;
  end: number;
}

function locateTransactions(files: readonly IndexedBinlog[]): Located[] {
  const located: Located[] = [];
  files.forEach((binlog, file) => {
    for (const { gtid, start, end } of binlog.transactions) {
      if (gtid === null) {
        throw new ApplyPlanError(`${binlog.path} holds a transaction without a GTID at offset ${start}`, {
          hint: 'point-in-time restore replays binlogs of servers running with gtid_mode=ON',
        });
      }
      located.push({ file, gtid, start, end });
    }
  });
  return located;
}

/** Each file must begin exactly where the one before it ends, and the first no later than the restored state. */
function checkContinuity<T extends GtidAlgebra<T>>(gtids: FlavorGtids<T>, files: readonly IndexedBinlog[], restored: T): void {
  const [first] = files;
  if (first === undefined) return;
  const beforeFirst = gtids.beforeFile(first.summary);
  if (!restored.contains(beforeFirst)) {
    throw new ApplyPlanError(
      `the binlogs start after the restored state: ${beforeFirst.subtract(restored)} precede ${first.path} but are not in the restored server (${restored})`,
      { hint: 'include the binlog files from the one holding the backup coordinate onwards' },
    );
  }
  for (let i = 1; i < files.length; i++) {
    const previous = files[i - 1]!;
    const next = files[i]!;
    const endOfPrevious = gtids.beforeFile(previous.summary).union(gtids.ofTransactions(previous.transactions.map((t) => t.gtid ?? '')));
    const beforeNext = gtids.beforeFile(next.summary);
    if (!beforeNext.equals(endOfPrevious)) {
      throw new ApplyPlanError(`${next.path} does not continue ${previous.path}: it follows ${beforeNext}, but ${previous.path} ends at ${endOfPrevious}`, {
        hint: 'pass every binlog file of the range, in sequence order, with none missing',
      });
    }
  }
}

/** Index of the last transaction to apply, -1 when the stop precedes every transaction of the binlogs. */
function stopIndex<T extends GtidAlgebra<T>>(gtids: FlavorGtids<T>, transactions: readonly Located[], stop: ApplyStop): number {
  switch (stop.kind) {
    case 'all':
      return transactions.length - 1;
    case 'gtid': {
      const target = gtids.parse(stop.gtid).toString();
      const index = transactions.findIndex((t) => t.gtid === target);
      if (index < 0) {
        throw new ApplyPlanError(`transaction ${target} is not in the binlogs`, {
          hint: 'the stop must be one transaction of the binlog files passed (planning picks it from their index)',
        });
      }
      return index;
    }
    case 'gtid-set': {
      const set = gtids.parse(stop.set);
      for (let i = transactions.length - 1; i >= 0; i--) if (gtids.holds(set, transactions[i]!.gtid)) return i;
      return -1;
    }
  }
}

/**
 * Decides what to apply to a restored server whose executed state is `restored`, from binlogs
 * indexed in sequence order, to stop exactly after the stop transaction. Throws ApplyPlanError
 * when that cannot be done: a file missing, the stop not in the binlogs, or the restored
 * server already past the stop.
 */
export function planApply<T extends GtidAlgebra<T>>(
  gtids: FlavorGtids<T>,
  files: readonly IndexedBinlog[],
  restored: T,
  stop: ApplyStop,
): ApplyPlan<T> {
  checkContinuity(gtids, files, restored);
  const transactions = locateTransactions(files);
  const last = stopIndex(gtids, transactions, stop);
  const after = transactions.slice(last + 1).find((t) => gtids.holds(restored, t.gtid));
  if (after !== undefined) {
    const stopText = last >= 0 ? `the stop ${transactions[last]!.gtid}` : 'the stop';
    throw new ApplyPlanError(`the restored server already holds ${after.gtid}, which comes after ${stopText} in the binlogs`, {
      hint: 'restore a base backup taken before the target time',
    });
  }
  const upToStop = transactions.slice(0, last + 1);
  const expected = restored.union(gtids.ofTransactions(upToStop.map((t) => t.gtid)));
  if (stop.kind === 'gtid-set' && !expected.contains(gtids.parse(stop.set))) {
    throw new ApplyPlanError(`${gtids.parse(stop.set).subtract(expected)} of the stop set are neither in the restored server nor in the binlogs`, {
      hint: 'the stop set must be reachable from the backup through these binlogs',
    });
  }
  const firstPending = upToStop.findIndex((t) => !gtids.holds(restored, t.gtid));
  if (firstPending < 0) return { files: [], startOffset: 0, stopOffset: 0, pending: [], bytesTotal: 0, restored, expected };

  const pending: PendingTransaction[] = [];
  let bytes = 0;
  for (const t of upToStop.slice(firstPending)) {
    if (gtids.holds(restored, t.gtid)) {
      if (gtids.skipsExecuted) continue;
      throw new ApplyPlanError(`the restored server holds ${t.gtid} but not ${upToStop[firstPending]!.gtid}, which comes before it in the binlogs`, {
        hint: 'the restored GTID position must be a point of these binlogs: restore the base backup again',
      });
    }
    bytes += t.end - t.start;
    pending.push({ gtid: t.gtid, bytesThrough: bytes });
  }
  const start = upToStop[firstPending]!;
  const end = upToStop[last]!;
  return {
    files: files.slice(start.file, end.file + 1).map(({ path, summary }) => ({ path, serverId: summary.serverId })),
    startOffset: start.start,
    stopOffset: end.end,
    pending,
    bytesTotal: bytes,
    restored,
    expected,
  };
}

/**
 * How many pending transactions a server in state `executed` has applied. Both routes commit in
 * binlog order, so the applied ones are a prefix of `pending`, found by bisection.
 */
export function appliedPrefix<T extends GtidAlgebra<T>>(gtids: FlavorGtids<T>, pending: readonly PendingTransaction[], executed: T): number {
  let low = 0;
  let high = pending.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (gtids.holds(executed, pending[middle]!.gtid)) low = middle + 1;
    else high = middle;
  }
  return low;
}
