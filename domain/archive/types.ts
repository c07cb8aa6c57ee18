import type { BinlogSummary } from '../binlog/types';

/** Types shared by BinlogArchiveWorkflow and its activities. No secrets ever appear here. */

export interface ArchiveRef {
  tenantId: string;
  clusterId: string;
}

/** Which server wrote a binlog: MySQL's server_uuid; MariaDB has none, so its server_id. */
export interface BinlogServer {
  /** Names the server's binlogs in the catalog and in object keys. */
  key: string;
  uuid: string | undefined;
  id: number;
}

export function binlogServerKey(uuid: string | undefined, id: number): string {
  return uuid ?? `server-${id}`;
}

export interface ServerBinlog {
  name: string;
  sizeBytes: number;
  /**
   * The timestamp of its Format_description event, in seconds: when the server created it. A
   * file rewritten under an archived name shows a new one even at the same size. Absent when
   * the file could not be read, or from agents that predate it.
   */
  createdSeconds?: number;
}

/** The newest file the archive holds, and the server that wrote it. */
export interface ArchivedFile {
  serverKey: string;
  file: string;
}

export interface BinlogSurvey {
  server: BinlogServer;
  /** Every binlog the server lists except the active one, in binlog order. */
  closed: ServerBinlog[];
  active: string;
  /**
   * The active binlog's previous GTIDs: everything the server logged before it. Absent from
   * surveys of agents that predate it, which the central worker may still be talking to.
   */
  activePreviousGtids?: string;
  /**
   * When the first transaction in the active binlog started, in seconds since the epoch: the
   * oldest commit not yet archivable; null when it holds none. Absent from older agents.
   */
  activeFirstTransactionSeconds?: number | null;
  /** The binlog this pass closed with FLUSH BINARY LOGS because the RPO target was due. */
  rotated: string | undefined;
}

/** One closed binlog as read end to end on the database host. */
export interface InspectedSegment {
  file: string;
  sizeBytes: number;
  /** SHA-256 (hex) of the file's bytes. */
  sha256: string;
  /** MySQL: the file's GTID set. MariaDB: the last GTID of each domain and server id in it (a binlog state). */
  gtids: string;
  summary: BinlogSummary;
}

export interface UploadedSegment {
  objectKey: string;
  storedBytes: number;
  storedSha256: string;
  /** The per-transaction index beside it: GTID, offsets and commit time of each transaction. */
  indexKey: string;
  indexStoredBytes: number;
  /** Storage calls of the attempt that uploaded it which failed and were retried inside it. */
  storageRetries?: number;
  /** Parts an interrupted attempt had stored that this attempt kept instead of uploading again. */
  partsReused?: number;
  /** Why the recorded progress of an interrupted attempt could not be used, when the upload started over. */
  resumeRejected?: string;
  /**
   * SHA-256 of the binlog bytes the upload read: other than the inspection's when the file
   * changed in between, which registration refuses with an alert. Absent from older agents.
   */
  readSha256?: string;
}

/** One run of a cluster's binlog stream: the server it followed and how far the mirror got. */
export interface StreamFollowed {
  serverKey: string;
  /** The binlog the run asked the server for. */
  startFile: string;
  /** The newest binlog the mirror holds, and its size, when the run ended. */
  lastFile: string;
  lastFileBytes: number;
}

/** The server's open binlog, as far as the archive's continuity goes. */
export interface ActiveBinlog {
  file: string;
  previousGtids: string;
}

export type SegmentCheck = { action: 'upload' } | { action: 'skip'; reason: string };

export interface BinlogArchiveResult {
  server: BinlogServer;
  rotated: string | undefined;
  /** Files archived by this pass, in binlog order. */
  archived: string[];
  /** Files this pass found already archived, or holding only archived transactions. */
  skipped: Array<{ file: string; reason: string }>;
  /** Closed files left for the next pass, when there were more than one pass takes. */
  deferred: number;
}

/** Why an archive pass failed, as the workflow saw it. */
export interface ArchivePassError {
  /** The typed error's name (`DatabaseUnavailableError`, ...), or the Temporal failure's. */
  type: string;
  message: string;
  hint: string | null;
  /** The activity that failed, when one did. */
  activity: string | null;
}

/** The outcome of one archive pass, recorded where `pitr status` reads it. */
export type ArchivePassReport = ArchiveRef & {
  workflowId: string;
  runId: string;
  startedAt: string;
} & (
    | {
        outcome: 'ok';
        /** When the pass looked at the server: before its survey. */
        observedAt: string;
        /** The oldest commit the pass left unarchived, in seconds since the epoch; null: none; absent: unknown. */
        unarchivedSinceSeconds?: number | null;
      }
    | { outcome: 'failed'; error: ArchivePassError }
  );

/** Where the newest segment of a cluster's stream ends: what a stream seals its next piece after. */
export interface SegmentEnd {
  serverKey: string;
  file: string;
  /** The offset just past the segment, in its file. */
  endOffset: number;
  /** The segment ran to the file's end: the next piece starts the server's next file. */
  closesFile: boolean;
  /**
   * Where the segment starts in its file and the SHA-256 of its bytes: a stream continuing the
   * file checks that its mirror still holds these bytes there (a reset server rewrites a name).
   * Absent in histories recorded before it was kept.
   */
  startOffset?: number;
  sha256?: string;
}

/** A piece of a binlog a stream sealed and uploaded, for the central worker to place in the stream. */
export interface SealedPiece {
  server: BinlogServer;
  startOffset: number;
  closesFile: boolean;
  /** The piece's bytes, history and transactions, as a pass inspects a whole file. */
  inspected: InspectedSegment;
  uploaded: UploadedSegment;
}
