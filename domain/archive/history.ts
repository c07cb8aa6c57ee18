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
