import { MariadbGtidPosition } from './mariadb-gtid-position';
import type { MariadbGtid } from './mariadb-gtid';

/** The first and last transaction of one domain in a stretch of binlog. */
export interface MariadbDomainSpan {
  readonly first: MariadbGtid;
  readonly last: MariadbGtid;
}

/**
 * The transactions in a stretch of MariaDB binlog (typically one file): per domain, the first
 * and last GTID met. Built by feeding GTIDs in binlog order; sequence numbers must grow in
 * each domain, as `MariadbGtidPosition.withGtid` requires.
 */
export class MariadbGtidRange {
  private static readonly EMPTY = new MariadbGtidRange(MariadbGtidPosition.empty(), MariadbGtidPosition.empty());

  private constructor(
    /** First GTID met in each domain. */
    readonly first: MariadbGtidPosition,
    /** Last GTID met in each domain: where a server that applied the stretch stands in those domains. */
    readonly last: MariadbGtidPosition,
  ) {}

  static empty(): MariadbGtidRange {
    return MariadbGtidRange.EMPTY;
  }

  /** The range extended by the next transaction of the binlog. */
  withGtid(domain: number, server: number, seq: bigint): MariadbGtidRange {
    const last = this.last.withGtid(domain, server, seq);
    const first = this.first.get(domain) ? this.first : this.first.withGtid(domain, server, seq);
    return new MariadbGtidRange(first, last);
  }

  isEmpty(): boolean {
    return this.last.isEmpty();
  }

  /** Per domain, in ascending domain order. */
  spans(): MariadbDomainSpan[] {
    return this.first.gtids().map((first) => ({ first, last: this.last.get(first.domain) ?? first }));
  }
}
