/** Types shared by BaseBackupWorkflow and its activities. No secrets ever appear here. */

import type { NoAgentPolling } from './agent-queue';

export const BACKUP_PHASES = ['prepare', 'execute', 'capture', 'upload', 'register', 'done', 'failed'] as const;
export type BackupPhase = (typeof BACKUP_PHASES)[number];

export type Flavor = 'mysql' | 'mariadb';

export const MYSQL_ENGINES = ['clone', 'mysqldump', 'xtrabackup'] as const;
export const MARIADB_ENGINES = ['mariadb-backup', 'mariadb-dump'] as const;
export type EngineName = (typeof MYSQL_ENGINES)[number] | (typeof MARIADB_ENGINES)[number];
export const ENGINES = [...MYSQL_ENGINES, ...MARIADB_ENGINES] as const;

export const ENGINES_BY_FLAVOR: Readonly<Record<Flavor, readonly EngineName[]>> = { mysql: MYSQL_ENGINES, mariadb: MARIADB_ENGINES };

export const ENGINE_FLAVOR = Object.fromEntries(
  (Object.entries(ENGINES_BY_FLAVOR) as Array<[Flavor, readonly EngineName[]]>).flatMap(([flavor, engines]) =>
    engines.map((e) => [e, flavor]),
  ),
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
  /** `@@lower_case_table_names`: every server started on the backup's data runs with it. */
  lowerCaseTableNames: number;
  dataBytes: number;
  stagingFreeBytes: number;
  /** Where metadata-lock contention was read, and what that reading could not see. */
  lockCheck?: string;
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

/** Who a server is: a coordinate's GTIDs must have been written in this server's history. */
export type ServerIdentity = { flavor: 'mysql'; serverUuid: string } | { flavor: 'mariadb'; serverId: number; gtidDomainId: number };

export interface CaptureResult {
  coordinate: Coordinate;
  /** The server's own readings after the backup, kept for the cross-check's evidence. */
  server: {
    gtidExecuted: string;
    gtidPurged: string;
    /** The server the coordinate was checked against (absent in results recorded before it was kept). */
    identity?: ServerIdentity;
    serverUtc: string;
    workerUtc: string;
    skewMs: number;
  };
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
  /** Parts an interrupted attempt had stored that this attempt kept instead of uploading again. */
  partsReused?: number;
  /** Why the recorded progress of an interrupted attempt could not be used, when the upload started over. */
  resumeRejected?: string;
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
  /** While the run waits on an agent queue that no agent polls. */
  noAgentPolling?: NoAgentPolling;
}

/**
 * Tenant and cluster as one name part that no other pair can produce: cluster ids are unique
 * only per tenant and both may contain '-', so the tenant's length leads (`4-acme-orders` is
 * tenant `acme`, cluster `orders`; tenant `acme-o`, cluster `rders` is `6-acme-o-rders`).
 * It keeps to the characters the ids use, so it fits object keys and manifests.
 */
export function tenantClusterKey(tenantId: string, clusterId: string): string {
  return `${tenantId.length}-${tenantId}-${clusterId}`;
}

/**
 * Names built on `tenantClusterKey` put a '.' after their kind, so none equals a name of the
 * earlier scheme, which joined kind, tenant and cluster with '-' only.
 */
export function tenantClusterName(kind: string, tenantId: string, clusterId: string): string {
  return `${kind}.${tenantClusterKey(tenantId, clusterId)}`;
}

/** What a schedule of `kind` for one cluster is called; its runs' workflow ids are this, '-' and the scheduled time. */
export function clusterScheduleId(kind: string, tenantId: string, clusterId: string): string {
  return tenantClusterName(kind, tenantId, clusterId);
}

/**
 * The workflow id of a cluster's backup at a scheduled instant: one backup per cluster per
 * instant, whether a backup schedule started it or the command line.
 */
export function backupWorkflowId(tenantId: string, clusterId: string, scheduledAt: Date): string {
  return `${clusterScheduleId('backup', tenantId, clusterId)}-${scheduledAt.toISOString().replace(/\.\d{3}Z$/, 'Z')}`;
}
