import type { BinlogSummary } from '../../domain/binlog/types';
import { MariadbGtidPosition, MysqlGtidSet, MysqlGtidSetBuilder, type GtidAlgebra } from '../../domain/gtid';
import type { Flavor } from '../servers/db-instance';

/**
 * What the apply needs from a flavor's GTID algebra: the executed state is a MySQL GTID set
 * or a MariaDB GTID position, and transactions are known by their GTID text as the binlog
 * reader prints it (canonical).
 */
export interface FlavorGtids<T extends GtidAlgebra<T>> {
  flavor: Flavor;
  parse(text: string): T;
  /**
   * The state that transactions make, given their GTIDs in binlog order: MySQL the set of
   * them; MariaDB, per domain, the GTID with the highest sequence number.
   */
  ofTransactions(gtids: Iterable<string>): T;
  /** The state the binlog file continues: what its server had executed when it began the file. */
  beforeFile(summary: BinlogSummary): T;
  /** Whether the state includes the transaction (for MariaDB: its domain is at or past its sequence number). */
  holds(state: T, gtid: string): boolean;
  /**
   * MySQL's applier skips a transaction whose GTID it has executed, so binlogs may be
   * replayed from before the restored state; MariaDB's applies whatever it is given.
   */
  skipsExecuted: boolean;
}

function splitMysqlGtid(gtid: string): { sourceId: string; gno: bigint } {
  const colon = gtid.lastIndexOf(':');
  return { sourceId: gtid.slice(0, colon), gno: BigInt(gtid.slice(colon + 1)) };
}

export const mysqlGtids: FlavorGtids<MysqlGtidSet> = {
  flavor: 'mysql',
  parse: (text) => MysqlGtidSet.parse(text),
  ofTransactions(gtids) {
    const builder = new MysqlGtidSetBuilder();
    for (const gtid of gtids) {
      const { sourceId, gno } = splitMysqlGtid(gtid);
      builder.add(sourceId, gno);
    }
    return builder.build();
  },
  beforeFile: (summary) => MysqlGtidSet.parse(summary.previousGtids),
  holds(state, gtid) {
    const { sourceId, gno } = splitMysqlGtid(gtid);
    const intervals = state.intervalsOf(sourceId);
    let low = 0;
    let high = intervals.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const interval = intervals[middle]!;
      if (gno < interval.start) high = middle - 1;
      else if (gno > interval.end) low = middle + 1;
      else return true;
    }
    return false;
  },
  skipsExecuted: true,
};

function splitMariadbGtid(gtid: string): { domain: number; seq: bigint } {
  const [domain = '', , seq = ''] = gtid.split('-');
  return { domain: Number(domain), seq: BigInt(seq) };
}

export const mariadbGtids: FlavorGtids<MariadbGtidPosition> = {
  flavor: 'mariadb',
  parse: (text) => MariadbGtidPosition.parse(text),
  ofTransactions(gtids) {
    const lastByDomain = new Map<number, { seq: bigint; gtid: string }>();
    for (const gtid of gtids) {
      const { domain, seq } = splitMariadbGtid(gtid);
      const seen = lastByDomain.get(domain);
      if (seen === undefined || seq > seen.seq) lastByDomain.set(domain, { seq, gtid });
    }
    return MariadbGtidPosition.parse([...lastByDomain.values()].map(({ gtid }) => gtid).join(','));
  },
  // A Gtid_list event may name several servers per domain; the highest sequence number is the domain's position.
  beforeFile: (summary) => mariadbGtids.ofTransactions(summary.previousGtids.split(',').filter((entry) => entry !== '')),
  holds(state, gtid) {
    const { domain, seq } = splitMariadbGtid(gtid);
    const reached = state.get(domain);
    return reached !== undefined && reached.seq >= seq;
  },
  skipsExecuted: false,
};
