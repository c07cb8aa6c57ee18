import { normaliseIntervals, type GnoInterval } from './gno-intervals';
import { mariadbGtid } from './mariadb-gtid';

/** Consecutive sequence numbers `first..last` that one server id wrote in one domain. */
export interface MariadbGtidRun {
  readonly domain: number;
  readonly server: number;
  readonly first: bigint;
  readonly last: bigint;
}

/**
 * An exact set of MariaDB transactions, e.g. those of one binlog file. Unlike a position,
 * which stands for everything up to its sequence number, it names only the transactions it
 * holds: per domain and server id, runs of sequence numbers. Text: `domain-server-first..last`
 * (`domain-server-seq` for a run of one), sorted by domain, then by sequence number, so a
 * domain that changed hands reads in history order: `0-1-5..7,0-2-8..10,1-1-3`.
 */
export class MariadbGtidSet {
  /** Sorted by domain, first sequence number, server id. */
  constructor(private readonly sorted: readonly MariadbGtidRun[]) {}

  runs(): readonly MariadbGtidRun[] {
    return this.sorted;
  }

  toString(): string {
    return this.sorted
      .map(({ domain, server, first, last }) => `${domain}-${server}-${first === last ? first : `${first}..${last}`}`)
      .join(',');
  }
}

interface OpenRun {
  readonly domain: number;
  readonly server: number;
  readonly intervals: { start: bigint; end: bigint }[];
}

/**
 * Collects MariaDB GTIDs one at a time, as a binlog reader meets them. The next sequence
 * number of the same server and domain extends its run in O(1); anything else (a gap, another
 * server, a number going back on a server without gtid_strict_mode) is kept exactly.
 */
export class MariadbGtidSetBuilder {
  private readonly byDomain = new Map<number, Map<number, OpenRun>>();
  private latest: OpenRun | undefined;

  add(domain: number, server: number, seq: bigint): this {
    mariadbGtid(domain, server, seq);
    let run = this.latest;
    if (run === undefined || run.domain !== domain || run.server !== server) {
      let servers = this.byDomain.get(domain);
      if (servers === undefined) this.byDomain.set(domain, (servers = new Map()));
      run = servers.get(server);
      if (run === undefined) servers.set(server, (run = { domain, server, intervals: [] }));
      this.latest = run;
    }
    const last = run.intervals[run.intervals.length - 1];
    if (last !== undefined && seq === last.end + 1n) last.end = seq;
    else run.intervals.push({ start: seq, end: seq });
    return this;
  }

  build(): MariadbGtidSet {
    const runs: MariadbGtidRun[] = [];
    for (const servers of this.byDomain.values()) {
      for (const { domain, server, intervals } of servers.values()) {
        for (const { start, end } of normaliseIntervals(intervals as GnoInterval[])) runs.push({ domain, server, first: start, last: end });
      }
    }
    runs.sort((a, b) => a.domain - b.domain || (a.first < b.first ? -1 : a.first > b.first ? 1 : a.server - b.server));
    return new MariadbGtidSet(runs);
  }
}
