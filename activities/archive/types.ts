import type {
  ActiveBinlog,
  ArchivedFile,
  ArchivePassReport,
  ArchiveRef,
  BinlogServer,
  BinlogSurvey,
  InspectedSegment,
  SegmentCheck,
  ServerBinlog,
  StreamFollowed,
  UploadedSegment,
} from '../../domain/archive/types';
import type { ArchiveSource } from '../../domain/archive/stream-mirror';

/** Run by the agent on the database host: they read the server and its binlog folder. */
export interface AgentArchiveActivities {
  /**
   * `newestArchived`: the newest file the archive holds (`newestArchivedFile`); without it every closed file is read for its creation time.
   * `source` 'stream' reads the mirror the binlog stream fills instead of the server's folder (default 'files').
   */
  surveyBinlogs(
    input: ArchiveRef & { rpoSeconds: number; newestArchived?: ArchivedFile | null; source?: ArchiveSource },
  ): Promise<BinlogSurvey>;
  inspectSegment(input: ArchiveRef & { file: string; source?: ArchiveSource; server?: BinlogServer }): Promise<InspectedSegment>;
  uploadSegment(input: ArchiveRef & { server: BinlogServer; file: string; source?: ArchiveSource }): Promise<UploadedSegment>;
  /** Receives the server's binlogs over the replication protocol into the agent's mirror for `runForSeconds`, heartbeating its progress. */
  followBinlogStream(input: ArchiveRef & { newestArchived: ArchivedFile | null; runForSeconds: number }): Promise<StreamFollowed>;
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
