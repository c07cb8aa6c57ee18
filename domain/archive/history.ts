import { MariadbBinlogState } from './mariadb-binlog-state';
import { MysqlGtidSet, type GtidFlavor } from '../gtid';

/**
 * Histories as the archive and the catalog write them: MySQL GTID sets; MariaDB binlog states
 * or GTID positions (a position parses as a state), compared as the positions they bring a
 * server to.
 */
export function historyContains(flavor: GtidFlavor, outer: string, inner: string): boolean {
  if (flavor === 'mysql') return MysqlGtidSet.parse(outer).contains(MysqlGtidSet.parse(inner));
  return MariadbBinlogState.parse(outer).position().contains(MariadbBinlogState.parse(inner).position());
}

/** Whether a history contains `from` and lies inside `to`, with `from` and `to` parsed once for many histories. */
export function historyBetween(flavor: GtidFlavor, from: string, to: string): (history: string) => boolean {
  if (flavor === 'mysql') {
    const [lower, upper] = [MysqlGtidSet.parse(from), MysqlGtidSet.parse(to)];
    return (history) => {
      const set = MysqlGtidSet.parse(history);
      return set.contains(lower) && upper.contains(set);
    };
  }
  const [lower, upper] = [MariadbBinlogState.parse(from).position(), MariadbBinlogState.parse(to).position()];
  return (history) => {
    const position = MariadbBinlogState.parse(history).position();
    return position.contains(lower) && upper.contains(position);
  };
}

/** Backups by when they finished, oldest or newest first (in their given order when they finished together). */
export function byFinish<T extends { finishedAt: string }>(backups: readonly T[], first: 'oldest' | 'newest'): T[] {
  const sign = first === 'oldest' ? 1 : -1;
  return backups
    .map((backup) => ({ backup, at: Date.parse(backup.finishedAt) }))
    .sort((a, b) => sign * (a.at - b.at))
    .map(({ backup }) => backup);
}

/** The union of histories, as the GTID state a server holding all of them reports (canonical). */
export function historyUnion(flavor: GtidFlavor, histories: readonly string[]): string {
  if (flavor === 'mysql') return histories.reduce((all, h) => all.union(MysqlGtidSet.parse(h)), MysqlGtidSet.empty()).toString();
  return histories
    .reduce((all, h) => all.union(MariadbBinlogState.parse(h)), MariadbBinlogState.parse(''))
    .position()
    .toString();
}

export function sameHistory(flavor: GtidFlavor, a: string, b: string): boolean {
  return historyContains(flavor, a, b) && historyContains(flavor, b, a);
}
