import type { DbTls } from '../db/tls';
import type { Flavor } from '../servers/db-instance';

/** How an engine reaches the server it backs up. Tools run on the server's host (clone and mariadb-backup must). */
export interface DbConnection {
  host: string;
  port: number;
  user: string;
  password: string;
  /** Preferred over host/port when set. */
  socket?: string;
  /** TLS over TCP (a socket needs none). */
  tls?: DbTls;
}

import { ENGINE_FLAVOR, type EngineName } from '../../domain/backup';

export { ENGINE_FLAVOR, type EngineName };

/**
 * The backup's own consistent point: the data holds exactly the transactions in
 * `gtidExecuted`, and binlog replay starts at `binlogFile`:`binlogPosition` of the source.
 * For MariaDB `gtidExecuted` is a GTID position (`domain-server-seq,...`).
 */
export interface EngineCoordinate {
  gtidExecuted: string;
  binlogFile: string;
  binlogPosition: number;
  /** Where the engine reported it, e.g. `performance_schema.clone_status`. */
  source: string;
}

export interface BackupThrottle {
  /** mariadb-backup/xtrabackup `--throttle`: I/O operations per second, in the tool's own unit. */
  ioPerSecond?: number;
  /** clone: `clone_max_data_bandwidth`, MiB/s. */
  bandwidthMBps?: number;
  /** clone: `clone_max_concurrency`; mariadb-backup/xtrabackup: `--parallel`. */
  concurrency?: number;
}

/**
 * How the engine's I/O was deprioritised: `ionice` (ionice -c2 -n7 and nice), `nice-only`
 * (ionice is missing or not permitted here) or `in-server` (clone: the server does the I/O,
 * limited by the throttle variables only).
 */
export type IoPriority = 'ionice' | 'nice-only' | 'in-server';

export interface BackupOptions {
  db: DbConnection;
  /** Folder the engine owns: wiped when it holds a partial result, reused when it holds a complete one. */
  stagingDir: string;
  throttle?: BackupThrottle;
  /** The backup program (`tools.<engine>` in the agent configuration), where it is not the toolchain's: another release's mariadb-backup or dump tool, xtrabackup. */
  toolPath?: string;
  onProgress?: (bytesDone: number) => void;
  signal?: AbortSignal;
}

export interface BackupResult {
  engine: EngineName;
  flavor: Flavor;
  toolVersion: string;
  stagingDir: string;
  /** The folder or file to stream (see `packPayload`). */
  payload: string;
  coordinate: EngineCoordinate;
  bytes: number;
  /** `db.table` of every user table in the backup, sorted. */
  schemaTables: string[];
  ioPriority: IoPriority;
}

/** What an engine produces; `runBackup` adds the bookkeeping around it. */
export type EngineOutput = Pick<BackupResult, 'toolVersion' | 'payload' | 'coordinate' | 'schemaTables' | 'ioPriority'>;
