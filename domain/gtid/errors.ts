import { InvalidInputError } from '../errors';

const MYSQL_HINT =
  'a MySQL GTID set looks like `3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:7,3e11fa47-71ca-11e1-9e33-c80aa9429562:billing:1-3` (uuid, optional tag, intervals)';
const HINTS: Record<GtidTextKind, string> = {
  'GTID set': MYSQL_HINT,
  'GTID source': MYSQL_HINT,
  'MariaDB GTID position': 'a MariaDB GTID position looks like `0-1-100,1-2-7` (domain-server-sequence, at most one per domain)',
  'MariaDB GTID list':
    'MariaDB GTIDs are domain-server-sequence, comma separated: a position `0-1-100,1-2-7` (one per domain) or a binlog state `0-1-90,0-2-100,1-2-7` (one per server id in each domain, as @@gtid_binlog_state prints it)',
};

export type MariadbTextKind = 'MariaDB GTID position' | 'MariaDB GTID list';
export type GtidTextKind = 'GTID set' | 'GTID source' | MariadbTextKind;

/** Text that is not a GTID set/position; `position` is the 0-based offset of the bad part (MySQL's "after N characters"). */
export class GtidParseError extends InvalidInputError {
  readonly position: number;

  constructor(kind: GtidTextKind, position: number, problem: string) {
    super(`invalid ${kind} at position ${position}: ${problem}`, {
      hint: HINTS[kind],
    });
    this.position = position;
  }
}

/** A GNO, sequence number, domain or server id outside what the server can store. */
export class GtidRangeError extends InvalidInputError {
  constructor(what: string, value: bigint | number, max: bigint | number, min: bigint | number = 1) {
    super(`${what} ${value} is outside ${min}..${max}`, {
      hint: 'GTIDs come from the server: check that the value was read from the right field',
    });
  }
}

/**
 * Two GTIDs of one MariaDB domain with the same sequence number but different server ids:
 * two different transactions both claim that place in the domain's history (a split brain,
 * or an errant write after a failover), so neither "later" nor "same" is a true answer.
 */
export class MariadbGtidConflictError extends InvalidInputError {
  constructor(first: string, second: string) {
    super(`MariaDB GTIDs ${first} and ${second} have the same domain and sequence number but different server ids`, {
      hint: 'the two histories diverged in that domain: find which server wrote the errant transaction before comparing or merging positions',
    });
  }
}
