import type {
  ActiveBinlog,
  ArchivedFile,
  ArchivePassReport,
  ArchiveRef,
  BinlogServer,
  BinlogSurvey,
  InspectedSegment,
  SealedPiece,
  SegmentCheck,
  SegmentEnd,
  ServerBinlog,
  StreamFollowed,
  UploadedSegment,
} from '../../domain/archive/types';
import type { ArchiveSource } from '../../domain/archive/stream-mirror';

/** Run by the agent on the database host: they read the server and its binlog folder. */
export interface AgentArchiveActivities {
  /**
   * `newestArchived`: the newest file the archive holds (`newestArchivedFile`); without it every closed file is read for its creation time.
   * `source` 'stream' reads the mirror the binlog stream fills instead of the server's folder (default 'files');
   * `piecesSealed`: the stream archives the open binlog as it grows, so the RPO never calls for a rotation.
   */
  surveyBinlogs(
    input: ArchiveRef & { rpoSeconds: number; newestArchived?: ArchivedFile | null; source?: ArchiveSource; piecesSealed?: boolean },
  ): Promise<BinlogSurvey>;
  inspectSegment(input: ArchiveRef & { file: string; source?: ArchiveSource; server?: BinlogServer }): Promise<InspectedSegment>;
  uploadSegment(input: ArchiveRef & { server: BinlogServer; file: string; source?: ArchiveSource }): Promise<UploadedSegment>;
  /** Receives the server's binlogs over the replication protocol into the agent's mirror for `runForSeconds`, heartbeating its progress. */
  followBinlogStream(input: ArchiveRef & { newestArchived: ArchivedFile | null; runForSeconds: number }): Promise<StreamFollowed>;
  /**
   * Seals and uploads the next piece of the stream's mirror after `after`: up to the last whole
   * transaction gathered for `gatherMs`, waiting up to `waitMs` for one; null when none came.
   */
  sealStreamPiece(input: ArchiveRef & { after: SegmentEnd | null; waitMs: number; gatherMs: number }): Promise<SealedPiece | null>;
}

/** Run by the central worker, where the catalog lives. */
export interface CentralArchiveActivities {
  /** The newest segment of the cluster's archive, what the survey reads creation times after; null before any. */
  newestArchivedFile(input: ArchiveRef): Promise<ArchivedFile | null>;
  /**
   * The closed binlogs not yet in the catalog, in binlog order; refuses a catalogued file that
   * changed size or creation time. With none pending, checks the active binlog's previous GTIDs against the
   * archive: transactions purged before they were archived are recorded as a gap (terminal).
   */
  planArchive(input: ArchiveRef & { server: BinlogServer; closed: ServerBinlog[]; active?: ActiveBinlog }): Promise<{ pending: string[] }>;
  /**
   * Decides a segment's place in the stream before it is uploaded. Records what needs no
   * upload (a file holding only archived transactions); records a gap and raises its alert,
   * or refuses a diverged history, with a terminal error.
   */
  checkSegment(input: ArchiveRef & { server: BinlogServer; inspected: InspectedSegment }): Promise<SegmentCheck>;
  /** Where the newest segment of the cluster's stream ends: what its binlog stream seals after; null before any. */
  newestSegmentEnd(input: ArchiveRef): Promise<SegmentEnd | null>;
  /**
   * Places a piece a stream sealed in the archive, by continuity as a whole file is placed; a gap
   * before it (binlogs purged before the stream received them) is recorded with its alert and the
   * piece placed after it. Registering the same piece again is a no-op.
   */
  registerStreamPiece(input: ArchiveRef & { piece: SealedPiece }): Promise<{ inserted: boolean; gap: string | null }>;
  /** Raises the stream-stopped alert: the cluster's binlog stream ended on a terminal failure, `reason`. */
  alertStreamStopped(input: ArchiveRef & { reason: string }): Promise<void>;
  /** Appends an uploaded segment to the stream; registering the same bytes again is a no-op. */
  registerSegment(
    input: ArchiveRef & { server: BinlogServer; inspected: InspectedSegment; uploaded: UploadedSegment },
  ): Promise<{ inserted: boolean }>;
}

/** Run by the central worker at the end of every archive pass, ok or failed. */
export interface ArchivePassActivities {
  /**
   * Records the pass as the cluster's last, where `pitr status` reads it; a failed one raises the
   * archive-failed alert (one per streak of failures) and counts in the metrics.
   */
  recordArchivePass(report: ArchivePassReport): Promise<void>;
}
