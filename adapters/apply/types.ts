import type { DbConnection } from '../engines/types';
import type { Flavor } from '../servers/db-instance';

/**
 * Where the apply stops, always at a transaction boundary: after one transaction (`gtid`,
 * e.g. `uuid:1234`, `uuid:tag:7`, MariaDB `0-11-2451`), after the last transaction of the
 * binlogs that belongs to a GTID set or MariaDB position (`gtid-set`), or after the last
 * transaction of the binlogs (`all`).
 */
export type ApplyStop = { kind: 'gtid'; gtid: string } | { kind: 'gtid-set'; set: string } | { kind: 'all' };

/**
 * `replication-applier`: the server's own (parallel) replication applier reads the binlogs as
 * its relay log. `binlog-pipe`: mysqlbinlog/mariadb-binlog piped into one client session.
 */
export type ApplyRoute = 'replication-applier' | 'binlog-pipe';

export interface ApplyProgress {
  /** The restored server's executed GTID state so far (canonical). */
  appliedThrough: string;
  /** Binlog bytes of the transactions applied so far, out of `bytesTotal`. */
  bytesApplied: number;
  bytesTotal: number;
  /** Transactions applied so far, out of `transactionsTotal`. */
  transactions: number;
  transactionsTotal: number;
}

export interface ApplyRequest {
  flavor: Flavor;
  /** The restored server, whose GTID state is the base backup's coordinate. */
  db: DbConnection;
  /** Binlog files of the original source on local disk, in sequence order. */
  binlogFiles: string[];
  stop: ApplyStop;
  /** Default `replication-applier`. */
  route?: ApplyRoute;
  /** Called about every `progressIntervalMs` (default 2000) while applying. */
  onProgress?: (progress: ApplyProgress) => void;
  progressIntervalMs?: number;
  /** No progress at all for this long ends the apply with ApplyStalledError (default 300). */
  stallSeconds?: number;
  signal?: AbortSignal;
}

export interface ApplyResult {
  route: ApplyRoute;
  /** The restored server's executed GTID state after the apply (canonical). */
  appliedThrough: string;
  transactionsApplied: number;
  seconds: number;
}
