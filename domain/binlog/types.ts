export type BinlogFlavor = 'mysql' | 'mariadb';
export type ChecksumAlgorithm = 'crc32' | 'none';

/**
 * A point in time as the binlog records it: MySQL GTID events carry microseconds,
 * event headers (and so everything MariaDB writes) only whole seconds.
 */
export interface BinlogTime {
  /** Microseconds since the Unix epoch (UTC). */
  micros: number;
  precision: 'us' | 's';
}

/** One transaction of a binlog file, located by byte offsets in that file. */
export interface BinlogTransaction {
  /**
   * MySQL `uuid:gno` or `uuid:tag:gno`; MariaDB `domain-server-seq`; null for a MySQL
   * anonymous transaction (GTIDs off).
   */
  gtid: string | null;
  /** Offset of the transaction's GTID event. */
  start: number;
  /** Offset just past the transaction's last event: where the next one may start. */
  end: number;
  /** MySQL: original_commit_timestamp (the first server's commit, a replica's primary's); MariaDB: header time of the event that ends it. */
  commitTime: BinlogTime;
  /**
   * When a live binlog stream received the transaction from the server that committed it:
   * after `afterMicros`, by `byMicros` (µs since the epoch). Absent when nothing dated it
   * (a file archived whole, a stream catching up, a transaction replicated from elsewhere).
   */
  received?: { afterMicros: number; byMicros: number };
}

/** What one binlog file holds, as read end to end. */
export interface BinlogSummary {
  flavor: BinlogFlavor;
  serverVersion: string;
  /** server_id in the Format_description event's header: the server that wrote the file. */
  serverId: number;
  checksum: ChecksumAlgorithm;
  /**
   * GTIDs executed before this file: MySQL's Previous-GTIDs set (canonical text);
   * MariaDB's Gtid list, `domain-server-seq` entries in the order the event holds them.
   */
  previousGtids: string;
  /**
   * Exactly the transactions in this file. MySQL: their GTID set (canonical text). MariaDB:
   * per domain and server id, runs of sequence numbers, `domain-server-first..last`
   * (`0-11-2152..2453,1-11-7`; see MariadbGtidSet), never a position, which would stand for
   * every earlier transaction too.
   */
  gtids: string;
  /**
   * Where the server's GTIDs stood when the file ended. MySQL: `gtid_executed`, Previous-GTIDs
   * plus this file's set. MariaDB: `gtid_binlog_pos`, per domain the last GTID logged, taken
   * from this file's transactions, else from its Gtid list (`0-11-2453,2-11-5`).
   */
  endPosition: string;
  firstGtid: string | null;
  lastGtid: string | null;
  transactions: number;
  firstEventTime: BinlogTime | null;
  lastEventTime: BinlogTime | null;
  firstCommitTime: BinlogTime | null;
  lastCommitTime: BinlogTime | null;
  events: number;
  bytes: number;
  /** The server finished the file: in-use flag cleared and the last event is Rotate or Stop. */
  closed: boolean;
  /** The next file's name from the closing Rotate event. */
  rotateTo: string | null;
  /**
   * Offset of a transaction that started but has no end before the end of the file
   * (a file still being written); null when the file ends between transactions.
   */
  unfinishedTransactionAt: number | null;
}
