import type { Cluster } from '../../adapters/catalog/clusters';
import type {
  BackupPhase,
  BackupRef,
  CaptureResult,
  ExecuteResult,
  PrepareResult,
  RegisterResult,
  UploadResult,
} from '../../domain/backup';

/** Phases 1–4: run by the agent on the database host; they share its staging folder. */
export interface AgentBackupActivities {
  prepareBackup(ref: BackupRef): Promise<PrepareResult>;
  executeBackup(ref: BackupRef): Promise<ExecuteResult>;
  /** A dry run checks the server's current position in place of an engine's consistent point. */
  captureCoordinates(ref: BackupRef, options?: { dryRun?: boolean }): Promise<CaptureResult>;
  uploadArtifact(ref: BackupRef): Promise<UploadResult>;
  removeStaging(ref: BackupRef): Promise<void>;
}

export interface RegisterInput {
  ref: BackupRef;
  prepared: PrepareResult;
  executed: ExecuteResult;
  captured: CaptureResult;
  uploaded: UploadResult;
  /** When the workflow started (ISO-8601 UTC). */
  startedAt: string;
}

export interface FailureInput {
  ref: BackupRef;
  phase: BackupPhase;
  reason: string;
  terminal: boolean;
  startedAt: string;
}

/** Run by the central worker: the catalog, object storage and the signing key live there. */
export interface CentralBackupActivities {
  loadCluster(input: { tenantId: string; clusterId: string }): Promise<Cluster>;
  validateManifest(input: Omit<RegisterInput, 'uploaded' | 'startedAt'>): Promise<void>;
  registerBackup(input: RegisterInput): Promise<RegisterResult>;
  recordBackupFailure(input: FailureInput): Promise<void>;
}

/** Run on the verification task queue, which scales on its own workers. */
export interface VerifyActivities {
  verifyBackupArtifact(input: { ref: BackupRef; manifestKey: string }): Promise<{ plainBytes: number; storedSha256: string }>;
}
