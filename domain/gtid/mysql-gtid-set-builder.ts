import { GtidRangeError } from './errors';
import type { GnoInterval } from './gno-intervals';
import { MysqlGtidSet } from './mysql-gtid-set';
import { MAX_GNO, parseSourceId } from './mysql-source';

interface OpenInterval {
  start: bigint;
  end: bigint;
}

/**
 * Collects GTIDs one at a time, as a binlog reader meets them. Adding the next GNO of a source
 * extends its last interval in O(1); GNOs out of order are accepted and merged by `build()`.
 */
export class MysqlGtidSetBuilder {
  /** Keyed by the caller's spelling of the source, so each spelling is validated only once. */
  private readonly intervalsBySourceId = new Map<string, OpenInterval[]>();

  /** Adds one GTID; `sourceId` is `uuid` or `uuid:tag`. */
  add(sourceId: string, gno: bigint): this {
    let intervals = this.intervalsBySourceId.get(sourceId);
    if (intervals === undefined) {
      parseSourceId(sourceId);
      intervals = [];
      this.intervalsBySourceId.set(sourceId, intervals);
    }
    if (gno < 1n || gno > MAX_GNO) throw new GtidRangeError(`GNO of ${sourceId}`, gno, MAX_GNO);
    const last = intervals[intervals.length - 1];
    if (last !== undefined && gno === last.end + 1n) last.end = gno;
    else if (last === undefined || gno < last.start || gno > last.end) intervals.push({ start: gno, end: gno });
    return this;
  }

  build(): MysqlGtidSet {
    return MysqlGtidSet.fromIntervals(
      [...this.intervalsBySourceId].map(([sourceId, intervals]): [string, GnoInterval[]] => [
        sourceId,
        intervals.map(({ start, end }) => ({ start, end })),
      ]),
    );
  }
}
