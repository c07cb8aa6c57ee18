import { compareInDomain, mariadbGtidText, type MariadbGtid } from './mariadb-gtid';
import { parseMariadbPositionText, parseMariadbStateText } from './mariadb-gtid-parser';
import type { GtidAlgebra } from './parse-gtid';

/**
 * An immutable MariaDB GTID position: the last GTID applied in each replication domain.
 * It stands for every transaction of each domain up to that sequence number, which is how
 * MariaDB itself compares positions (a replica at 0-1-10 has 0-1-9 too), so union keeps the
 * later GTID per domain and intersection the earlier one. When a domain holds the same
 * sequence number from two server ids, those are two different transactions and every
 * comparison throws `MariadbGtidConflictError` rather than guess which history is true.
 */
export class MariadbGtidPosition implements GtidAlgebra<MariadbGtidPosition> {
  private static readonly EMPTY = new MariadbGtidPosition(new Map());

  /** Keyed by domain, in ascending domain order. */
  private constructor(private readonly byDomain: ReadonlyMap<number, MariadbGtid>) {}

  static empty(): MariadbGtidPosition {
    return MariadbGtidPosition.EMPTY;
  }

  static parse(text: string): MariadbGtidPosition {
    return MariadbGtidPosition.from(parseMariadbPositionText(text));
  }

  /**
   * The position a binlog state (`@@gtid_binlog_state`, a binlog's Gtid list) stands for, as
   * MariaDB derives `gtid_binlog_pos` from it: per domain, the entry listed last, which is the
   * one the domain logged most recently (the server lists it after the domain's other server ids).
   */
  static ofBinlogState(text: string): MariadbGtidPosition {
    return MariadbGtidPosition.lastOfEachDomain(parseMariadbStateText(text));
  }

  /** Where a binlog stands after logging `gtids` in this order: per domain, the last one. */
  static lastOfEachDomain(gtids: Iterable<MariadbGtid>): MariadbGtidPosition {
    const byDomain = new Map<number, MariadbGtid>();
    for (const gtid of gtids) byDomain.set(gtid.domain, gtid);
    return MariadbGtidPosition.from([...byDomain.values()]);
  }

  /**
   * `@@gtid_current_pos` as MariaDB derives it: `gtid_slave_pos`, except in a domain where the
   * binlog's GTID was written by this server (`serverId`, the global server_id) and is newer than
   * the replica's, or the replica has none. GTIDs the server only replicated into its binlog
   * never count, so a replica's current position follows what its applier recorded.
   */
  static currentPos(binlogPos: MariadbGtidPosition, slavePos: MariadbGtidPosition, serverId: number): MariadbGtidPosition {
    const byDomain = new Map(slavePos.byDomain);
    for (const [domain, logged] of binlogPos.byDomain) {
      const applied = byDomain.get(domain);
      if (logged.server === serverId && (applied === undefined || logged.seq > applied.seq)) byDomain.set(domain, logged);
    }
    return MariadbGtidPosition.from([...byDomain.values()]);
  }

  private static from(gtids: MariadbGtid[]): MariadbGtidPosition {
    if (gtids.length === 0) return MariadbGtidPosition.EMPTY;
    const sorted = [...gtids].sort((a, b) => a.domain - b.domain);
    return new MariadbGtidPosition(new Map(sorted.map((gtid) => [gtid.domain, gtid])));
  }

  /** The GTIDs, one per domain, in ascending domain order. */
  gtids(): MariadbGtid[] {
    return [...this.byDomain.values()];
  }

  get(domain: number): MariadbGtid | undefined {
    return this.byDomain.get(domain);
  }

  isEmpty(): boolean {
    return this.byDomain.size === 0;
  }

  /** Per domain, the later of the two GTIDs. */
  union(other: MariadbGtidPosition): MariadbGtidPosition {
    const merged = new Map(this.byDomain);
    for (const [domain, theirs] of other.byDomain) {
      const ours = merged.get(domain);
      if (!ours || compareInDomain(ours, theirs) < 0) merged.set(domain, theirs);
    }
    return MariadbGtidPosition.from([...merged.values()]);
  }

  /** Per domain present in both, the earlier of the two GTIDs. */
  intersect(other: MariadbGtidPosition): MariadbGtidPosition {
    const common: MariadbGtid[] = [];
    for (const [domain, ours] of this.byDomain) {
      const theirs = other.byDomain.get(domain);
      if (theirs) common.push(compareInDomain(ours, theirs) <= 0 ? ours : theirs);
    }
    return MariadbGtidPosition.from(common);
  }

  /**
   * The domains where this position is ahead of `other`, at this position's GTID: what a replay
   * starting at `other` still has to reach. A difference of two positions is a range of sequence
   * numbers, not a position, so this keeps its upper end; it is empty exactly when `other` contains this.
   */
  subtract(other: MariadbGtidPosition): MariadbGtidPosition {
    return MariadbGtidPosition.from(
      this.gtids().filter((ours) => {
        const theirs = other.byDomain.get(ours.domain);
        return !theirs || compareInDomain(ours, theirs) > 0;
      }),
    );
  }

  /** True when every domain of `other` is here at the same or a later sequence number. */
  contains(other: MariadbGtidPosition): boolean {
    for (const [domain, theirs] of other.byDomain) {
      const ours = this.byDomain.get(domain);
      if (!ours || compareInDomain(ours, theirs) < 0) return false;
    }
    return true;
  }

  equals(other: MariadbGtidPosition): boolean {
    if (this.byDomain.size !== other.byDomain.size) return false;
    for (const [domain, ours] of this.byDomain) {
      const theirs = other.byDomain.get(domain);
      if (!theirs || theirs.server !== ours.server || theirs.seq !== ours.seq) return false;
    }
    return true;
  }

  /** Canonical text: `domain-server-seq` entries sorted by domain, comma-separated, no spaces. */
  toString(): string {
    return this.gtids().map(mariadbGtidText).join(',');
  }
}
