/** Types shared by BaseBackupWorkflow and its activities. No secrets ever appear here. */

export const BACKUP_PHASES = ['prepare', 'execute', 'capture', 'upload', 'register', 'done', 'failed'] as const;
export type BackupPhase = (typeof BACKUP_PHASES)[number];

export type Flavor = 'mysql' | 'mariadb';

export const MYSQL_ENGINES = ['clone', 'mysqldump', 'xtrabackup'] as const;
export const MARIADB_ENGINES = ['mariadb-backup', 'mariadb-dump'] as const;
export type EngineName = (typeof MYSQL_ENGINES)[number] | (typeof MARIADB_ENGINES)[number];
export const ENGINES = [...MYSQL_ENGINES, ...MARIADB_ENGINES] as const;

export const ENGINES_BY_FLAVOR: Readonly<Record<Flavor, readonly EngineName[]>> = { mysql: MYSQL_ENGINES, mariadb: MARIADB_ENGINES };

export const ENGINE_FLAVOR = Object.fromEntries(
  (Object.entries(ENGINES_BY_FLAVOR) as Array<[Flavor, readonly EngineName[]]>).flatMap(([flavor, engines]) => engines.map((e) => [e, flavor])),
) as Readonly<Record<EngineName, Flavor>>;

export interface BaseBackupInput {
  tenantId: string;
  clusterId: string;
  engine?: EngineName;
  dryRun?: boolean;
}

/** Identifies one backup on every task queue; derived from the workflow id. */
export interface BackupRef {
  tenantId: string;
  clusterId: string;
  backupId: string;
  engine: EngineName;
}

export interface PrepareResult {
  flavor: Flavor;
  serverVersion: string;
  serverUuid: string | undefined;
  serverId: number;
  dataBytes: number;
  stagingFreeBytes: number;
}

export interface ExecuteResult {
  toolVersion: string;
  bytes: number;
  schemaTables: string[];
}

export interface Coordinate {
  gtidExecuted: string;
  gtidPurged: string;
  binlogFile: string;
  binlogPosition: number;
  /** Where the engine's own consistent point was read. */
  source: string;
}

export interface CaptureResult {
  coordinate: Coordinate;
  /** The server's own readings after the backup, kept for the cross-check's evidence. */
  server: { gtidExecuted: string; gtidPurged: string; serverUtc: string; workerUtc: string; skewMs: number };
  /** The binlog that was current at capture, closed by FLUSH BINARY LOGS so it can be archived. */
  rotatedFrom: string | undefined;
}

export interface UploadResult {
  bucket: string;
  key: string;
  storedBytes: number;
  plainBytes: number;
  storedSha256: string;
  keyId: string;
  compression: { algorithm: 'zstd'; level: number; workers: number };
  chunkSize: number;
  /** Storage calls of the attempt that uploaded it which failed and were retried inside it. */
  storageRetries?: number;
}

export interface RegisterResult {
  backupId: string;
  manifestKey: string;
  /** False when the catalog already had this backup (a retried registration). */
  inserted: boolean;
}

export interface BaseBackupResult {
  backupId: string;
  dryRun: boolean;
  engine: EngineName;
  coordinate: Coordinate;
  artifact: UploadResult | undefined;
  manifestKey: string | undefined;
}

export interface BackupProgress {
  phase: BackupPhase;
  bytesDone: number;
  lastError: string | undefined;
}

export function agentTaskQueue(clusterId: string): string {
  return `pitr-agent-${clusterId}`;
}

export const VERIFY_TASK_QUEUE = 'pitr-verify';

/** The workflow id of a cluster's backup at a scheduled instant: one backup per cluster per instant. */
export function backupWorkflowId(tenantId: string, clusterId: string, scheduledAt: Date): string {
  return `backup-${tenantId}-${clusterId}-${scheduledAt.toISOString().replace(/\.\d{3}Z$/, 'Z')}`;
}
