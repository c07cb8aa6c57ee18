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
 * One stretch of the binlogs the server reads without a break: from `startOffset` in the
 * first file to `stopOffset` (the end of a transaction) in the last.
 */
export interface ApplyRun<T> {
  files: PlannedFile[];
  startOffset: number;
  stopOffset: number;
  /** What the server holds once the run is applied. */
  expected: T;
}

/**
 * What to apply: runs of the binlogs, from the first transaction the restored server lacks to
 * the stop transaction. A file that repeats transactions of the files before it (a promoted
 * replica's, across a failover) starts a new run after them on a flavor whose applier would
 * apply them again; MySQL's skips them by GTID, so one run reads through. Empty `runs` means
 * there is nothing to apply.
 */
export interface ApplyPlan<T> {
  runs: ApplyRun<T>[];
  /** The transactions the restored server lacks, in binlog order, each once. */
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
  /** An earlier file holds it already: a promoted replica's file repeating its old source's. */
  repeat: boolean;
}

/**
 * Each file must begin inside what the files before it reach, and the first no later than the
 * restored state. A file that begins earlier than where the files before it end (a promoted
 * replica's) must go on through all they hold: its transactions up to there are repeats.
 */
function locateTransactions<T extends GtidAlgebra<T>>(gtids: FlavorGtids<T>, files: readonly IndexedBinlog[], restored: T): Located[] {
  const [first] = files;
  if (first === undefined) return [];
  const beforeFirst = gtids.beforeFile(first.summary);
  if (!restored.contains(beforeFirst)) {
    throw new ApplyPlanError(
      `the binlogs start after the restored state: ${beforeFirst.subtract(restored)} precede ${first.path} but are not in the restored server (${restored})`,
      { hint: 'include the binlog files from the one holding the backup coordinate onwards' },
    );
  }
  const located: Located[] = [];
  let reached: T | undefined;
  let previous = first;
  files.forEach((binlog, file) => {
    const transactions = binlog.transactions.map(({ gtid, start, end }) => {
      if (gtid === null) {
        throw new ApplyPlanError(`${binlog.path} holds a transaction without a GTID at offset ${start}`, {
          hint: 'point-in-time restore replays binlogs of servers running with gtid_mode=ON',
        });
      }
      return { gtid, start, end };
    });
    const before = gtids.beforeFile(binlog.summary);
    const own = gtids.ofTransactions(transactions.map((t) => t.gtid));
    if (reached !== undefined && !reached.contains(before)) {
      throw new ApplyPlanError(
        `${binlog.path} does not continue ${previous.path}: it follows ${before}, but the binlogs before it end at ${reached}; ${before.subtract(reached)} are in none of them`,
        { hint: 'pass every binlog file of the range, in sequence order, with none missing' },
      );
    }
    if (reached !== undefined && !before.union(own).contains(reached)) {
      throw new ApplyPlanError(
        `${binlog.path} does not continue ${previous.path}: its server never executed ${reached.subtract(before.union(own))}, which the binlogs before it hold`,
        {
          hint: 'the files come from servers whose histories diverged; restore only the range of one history',
        },
      );
    }
    for (const { gtid, start, end } of transactions)
      located.push({ file, gtid, start, end, repeat: reached !== undefined && gtids.holds(reached, gtid) });
    reached = (reached ?? before).union(before).union(own);
    previous = binlog;
  });
  return located;
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
 * indexed in sequence order, to stop exactly after the stop transaction, applying each
 * transaction once. Throws ApplyPlanError when that cannot be done: a file missing, files of
 * diverged histories, the stop not in the binlogs, or the restored server already past the stop.
 */
export function planApply<T extends GtidAlgebra<T>>(
  gtids: FlavorGtids<T>,
  files: readonly IndexedBinlog[],
  restored: T,
  stop: ApplyStop,
): ApplyPlan<T> {
  const located = locateTransactions(gtids, files, restored);
  const transactions = located.filter((t) => !t.repeat);
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
    throw new ApplyPlanError(
      `${gtids.parse(stop.set).subtract(expected)} of the stop set are neither in the restored server nor in the binlogs`,
      {
        hint: 'the stop set must be reachable from the backup through these binlogs',
      },
    );
  }
  const firstPending = upToStop.findIndex((t) => !gtids.holds(restored, t.gtid));
  if (firstPending < 0) return { runs: [], pending: [], bytesTotal: 0, restored, expected };

  const pending: PendingTransaction[] = [];
  const runs: ApplyRun<T>[] = [];
  let open: { from: Located; to: Located } | undefined;
  const close = (): void => {
    if (open === undefined) return;
    const { from, to } = open;
    runs.push({
      files: files.slice(from.file, to.file + 1).map(({ path, summary }) => ({ path, serverId: summary.serverId })),
      startOffset: from.start,
      stopOffset: to.end,
      expected: restored.union(gtids.ofTransactions(pending.map((p) => p.gtid))),
    });
    open = undefined;
  };
  let bytes = 0;
  const stopAt = upToStop[last]!;
  for (const t of located.slice(located.indexOf(upToStop[firstPending]!), located.indexOf(stopAt) + 1)) {
    const held = gtids.holds(restored, t.gtid);
    if (held && !t.repeat && !gtids.skipsExecuted) {
      throw new ApplyPlanError(
        `the restored server holds ${t.gtid} but not ${upToStop[firstPending]!.gtid}, which comes before it in the binlogs`,
        {
          hint: 'the restored GTID position must be a point of these binlogs: restore the base backup again',
        },
      );
    }
    if (held || t.repeat) {
      if (!gtids.skipsExecuted) close();
      else if (open !== undefined) open.to = t;
      continue;
    }
    if (open === undefined) open = { from: t, to: t };
    open.to = t;
    bytes += t.end - t.start;
    pending.push({ gtid: t.gtid, bytesThrough: bytes });
  }
  close();
  return { runs, pending, bytesTotal: bytes, restored, expected };
}

/**
 * How many pending transactions a server in state `executed` has applied. Both routes commit in
 * binlog order, so the applied ones are a prefix of `pending`, found by bisection.
 */
export function appliedPrefix<T extends GtidAlgebra<T>>(
  gtids: FlavorGtids<T>,
  pending: readonly PendingTransaction[],
  executed: T,
): number {
  let low = 0;
  let high = pending.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (gtids.holds(executed, pending[middle]!.gtid)) low = middle + 1;
    else high = middle;
  }
  return low;
}
