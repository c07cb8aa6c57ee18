import type { BinlogTransaction } from '../binlog/types';
import { parseMariadbPositionText } from '../gtid/mariadb-gtid-parser';
import { secondStartMicros } from './recoverable';

/**
 * One look at a growing binlog: it held `size` bytes by `byMicros`. `sinceMicros` is the look
 * before, which found it shorter, so the bytes after that length arrived in between; absent on
 * the first look of a live stretch, before which nothing is known.
 */
export interface ArrivalLook {
  size: number;
  byMicros: number;
  sinceMicros?: number;
}

/** When the bytes up to `end` arrived, from the looks that saw the file grow (oldest first); undefined when they do not tell. */
export function arrivalWindow(looks: readonly ArrivalLook[], end: number): { afterMicros: number; byMicros: number } | undefined {
  let low = 0;
  let high = looks.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (looks[middle]!.size >= end) high = middle;
    else low = middle + 1;
  }
  const look = looks[low];
  if (look?.sinceMicros === undefined) return undefined;
  return { afterMicros: look.sinceMicros, byMicros: look.byMicros };
}

/**
 * `trx` with when a live stream received it from `serverId`, the server that wrote the binlog.
 * Only a transaction that server committed (its MariaDB GTID names it) arrives a delivery
 * after its commit; one it replicated committed a replication lag before it arrived. An arrival
 * the agent's clock dates before the second the server stamped shows the two clocks apart: it
 * dates nothing.
 */
export function withArrival(trx: BinlogTransaction, looks: readonly ArrivalLook[], serverId: number): BinlogTransaction {
  if (trx.gtid === null || parseMariadbPositionText(trx.gtid)[0]?.server !== serverId) return trx;
  const received = arrivalWindow(looks, trx.end);
  const stampedSecond = secondStartMicros(trx.commitTime.micros);
  return received === undefined || received.byMicros < stampedSecond ? trx : { ...trx, received };
}
