import { MariadbGtidPosition, mariadbGtidText, type MariadbGtid } from '../gtid';

/**
 * A MariaDB binlog state: the last GTID logged by each (domain, server id) pair, which is
 * what a Gtid_list event holds. Unlike a position (one GTID per domain) it tells a promoted
 * replica that stopped at 0-1-5 and then wrote 0-2-6.. apart from the archived 0-1-6..: in
 * one linear history per domain, a state contains another when it is as far along for every
 * pair the other names.
 */
export class MariadbBinlogState {
  /** Keyed by `domain-server`, sorted by domain then server id. */
  private constructor(private readonly byPair: ReadonlyMap<string, MariadbGtid>) {}

  /** `domain-server-seq` entries, comma separated, any number per domain; the highest per pair counts. */
  static parse(text: string): MariadbBinlogState {
    const gtids: MariadbGtid[] = [];
    // Each entry alone is a one-domain position; parsing it validates the numbers.
    for (const entry of text
      .split(',')
      .map((e) => e.trim())
      .filter((e) => e !== ''))
      gtids.push(...MariadbGtidPosition.parse(entry).gtids());
    return MariadbBinlogState.of(gtids);
  }

  private static of(gtids: Iterable<MariadbGtid>): MariadbBinlogState {
    const latest = new Map<string, MariadbGtid>();
    for (const gtid of gtids) {
      const pair = `${gtid.domain}-${gtid.server}`;
      const current = latest.get(pair);
      if (!current || current.seq < gtid.seq) latest.set(pair, gtid);
    }
    const sorted = [...latest.values()].sort((a, b) => a.domain - b.domain || a.server - b.server);
    return new MariadbBinlogState(new Map(sorted.map((g) => [`${g.domain}-${g.server}`, g])));
  }

  union(other: MariadbBinlogState): MariadbBinlogState {
    return MariadbBinlogState.of([...this.byPair.values(), ...other.byPair.values()]);
  }

  /** The pairs where this state is further along than `other`, at this state's GTID. */
  subtract(other: MariadbBinlogState): MariadbBinlogState {
    return MariadbBinlogState.of(
      [...this.byPair].filter(([pair, ours]) => (other.byPair.get(pair)?.seq ?? 0n) < ours.seq).map(([, ours]) => ours),
    );
  }

  contains(other: MariadbBinlogState): boolean {
    return other.subtract(this).isEmpty();
  }

  equals(other: MariadbBinlogState): boolean {
    return this.contains(other) && other.contains(this);
  }

  isEmpty(): boolean {
    return this.byPair.size === 0;
  }

  /** The GTID position it brings a server to: per domain, the highest sequence number. */
  position(): MariadbGtidPosition {
    const best = new Map<number, MariadbGtid>();
    for (const gtid of this.byPair.values()) {
      const current = best.get(gtid.domain);
      if (!current || current.seq < gtid.seq) best.set(gtid.domain, gtid);
    }
    return MariadbGtidPosition.parse([...best.values()].map(mariadbGtidText).join(','));
  }

  /** Canonical text: entries sorted by domain then server id. */
  toString(): string {
    return [...this.byPair.values()].map(mariadbGtidText).join(',');
  }
}
