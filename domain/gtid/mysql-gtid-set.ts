import {
  countIntervals,
  gapsBetweenIntervals,
  intersectIntervals,
  intervalText,
  intervalsContain,
  intervalsEqual,
  normaliseIntervals,
  subtractIntervals,
  unionIntervals,
  type GnoInterval,
  type GnoIntervals,
} from './gno-intervals';
import { parseMysqlGtidText } from './mysql-gtid-parser';
import type { GtidAlgebra } from './parse-gtid';
import { GtidRangeError } from './errors';
import { MAX_GNO, parseSourceId, splitSourceKey } from './mysql-source';

type IntervalsBySource = ReadonlyMap<string, GnoIntervals>;

/**
 * An immutable MySQL GTID set: for each source (`uuid` or `uuid:tag`), normalised GNO intervals.
 * GNOs are bigint so counts and arithmetic stay exact up to MySQL's 2^63 range.
 */
export class MysqlGtidSet implements GtidAlgebra<MysqlGtidSet> {
  private static readonly EMPTY = new MysqlGtidSet(new Map());

  /** Sources in printing order, each with a non-empty normalised interval list. */
  private constructor(private readonly bySource: IntervalsBySource) {}

  static empty(): MysqlGtidSet {
    return MysqlGtidSet.EMPTY;
  }

  /** Parses text as MySQL prints or accepts it (`@@gtid_executed`, `GTID_SUBTRACT(...)`, binlog headers). */
  static parse(text: string): MysqlGtidSet {
    return MysqlGtidSet.fromIntervals(parseMysqlGtidText(text));
  }

  /** Builds a set from intervals per source (`uuid` or `uuid:tag`, any case), in any order. */
  static fromIntervals(intervalsBySource: Iterable<[string, Iterable<GnoInterval>]>): MysqlGtidSet {
    const merged = new Map<string, GnoInterval[]>();
    for (const [sourceId, intervals] of intervalsBySource) {
      const key = parseSourceId(sourceId);
      const list = merged.get(key) ?? [];
      for (const interval of intervals) list.push(checkedInterval(key, interval));
      merged.set(key, list);
    }
    const keys = [...merged.keys()].sort();
    return MysqlGtidSet.from(keys.map((key) => [key, normaliseIntervals(merged.get(key) ?? [])]));
  }

  private static from(entries: Iterable<[string, GnoIntervals]>): MysqlGtidSet {
    const bySource = new Map<string, GnoIntervals>();
    for (const [key, intervals] of entries) if (intervals.length > 0) bySource.set(key, intervals);
    return bySource.size === 0 ? MysqlGtidSet.EMPTY : new MysqlGtidSet(bySource);
  }

  /** Source keys (`uuid` or `uuid:tag`) in MySQL's printing order. */
  sources(): string[] {
    return [...this.bySource.keys()];
  }

  /** Intervals of one source, `uuid` or `uuid:tag` in any case; empty when the set has none. */
  intervalsOf(sourceId: string): GnoIntervals {
    return this.bySource.get(parseSourceId(sourceId)) ?? [];
  }

  isEmpty(): boolean {
    return this.bySource.size === 0;
  }

  count(): bigint {
    let total = 0n;
    for (const intervals of this.bySource.values()) total += countIntervals(intervals);
    return total;
  }

  union(other: MysqlGtidSet): MysqlGtidSet {
    const keys = [...new Set([...this.bySource.keys(), ...other.bySource.keys()])].sort();
    return MysqlGtidSet.from(keys.map((key) => [key, unionIntervals(this.bySource.get(key) ?? [], other.bySource.get(key) ?? [])]));
  }

  subtract(other: MysqlGtidSet): MysqlGtidSet {
    return MysqlGtidSet.from(
      [...this.bySource].map(([key, intervals]) => {
        const removed = other.bySource.get(key);
        return [key, removed ? subtractIntervals(intervals, removed) : intervals];
      }),
    );
  }

  intersect(other: MysqlGtidSet): MysqlGtidSet {
    return MysqlGtidSet.from(
      [...this.bySource].map(([key, intervals]) => [key, intersectIntervals(intervals, other.bySource.get(key) ?? [])]),
    );
  }

  /** True when every GTID of `other` is in this set (MySQL's `GTID_SUBSET(other, this)`). */
  contains(other: MysqlGtidSet): boolean {
    for (const [key, intervals] of other.bySource) {
      if (!intervalsContain(this.bySource.get(key) ?? [], intervals)) return false;
    }
    return true;
  }

  equals(other: MysqlGtidSet): boolean {
    if (this.bySource.size !== other.bySource.size) return false;
    for (const [key, intervals] of this.bySource) {
      const theirs = other.bySource.get(key);
      if (!theirs || !intervalsEqual(intervals, theirs)) return false;
    }
    return true;
  }

  /** The GTIDs missing between a source's intervals, e.g. `uuid:6-8` for `uuid:1-5:9-10`. */
  gaps(): MysqlGtidSet {
    return MysqlGtidSet.from([...this.bySource].map(([key, intervals]) => [key, gapsBetweenIntervals(intervals)]));
  }

  /**
   * Canonical text: MySQL's own printing (`uuid:1-5:7:tag:1-3,uuid2:9`), except that the
   * server puts a newline after each comma and this keeps the text on one line.
   */
  toString(): string {
    const entries: string[] = [];
    let currentUuid: string | undefined;
    let parts: string[] = [];
    for (const [key, intervals] of this.bySource) {
      const { uuid, tag } = splitSourceKey(key);
      if (uuid !== currentUuid) {
        if (currentUuid !== undefined) entries.push(parts.join(':'));
        currentUuid = uuid;
        parts = [uuid];
      }
      if (tag !== '') parts.push(tag);
      for (const interval of intervals) parts.push(intervalText(interval));
    }
    if (currentUuid !== undefined) entries.push(parts.join(':'));
    return entries.join(',');
  }
}

function checkedInterval(sourceKey: string, interval: GnoInterval): GnoInterval {
  if (interval.start < 1n) throw new GtidRangeError(`GNO of ${sourceKey}`, interval.start, MAX_GNO);
  if (interval.end > MAX_GNO) throw new GtidRangeError(`GNO of ${sourceKey}`, interval.end, MAX_GNO);
  if (interval.end < interval.start) {
    throw new GtidRangeError(`end of interval ${interval.start}-${interval.end} of ${sourceKey}`, interval.end, MAX_GNO, interval.start);
  }
  return interval;
}
