import type { Client } from 'pg';

/** Transactions per binlog file, one every 4 seconds: a file is rotated every 15 minutes. */
const PER_FILE = 225;
const TRANSACTION_SECONDS = 4;
const FILE_SECONDS = PER_FILE * TRANSACTION_SECONDS;

/** One cluster's archive, as years of production leave it. */
export interface ClusterShape {
  tenantId: string;
  clusterId: string;
  flavor: 'mysql' | 'mariadb';
  files: number;
  backups: number;
  /** The file from which a promoted replica (a second server) writes the history. */
  failoverAt?: number;
  /** A file purged before it was archived: a gap in the stream. */
  gapAt?: number;
  /** Files (and the backups before them) retention expired, from the oldest. */
  expiredFiles?: number;
}

const UUIDS = ['3e11fa47-71ca-11e1-9e33-c80aa9429562', '8a94f357-aab4-11df-86ab-c80aa9429562'];

/**
 * The history through transaction `n` (1-based, cluster-wide) as the catalog writes it: one
 * server's GTIDs before the failover, then the promoted replica's; a MariaDB binlog state.
 */
function historySql(shape: ClusterShape, n: string): string {
  if (shape.flavor === 'mariadb') {
    return `CASE WHEN ${n} <= 0 THEN '' ELSE '0-1-' || ${n} END`;
  }
  const [a, b] = UUIDS;
  if (shape.failoverAt === undefined) return `CASE WHEN ${n} <= 0 THEN '' ELSE '${a}:1-' || ${n} END`;
  const switchAt = shape.failoverAt * PER_FILE;
  return `CASE WHEN ${n} <= 0 THEN '' WHEN ${n} <= ${switchAt} THEN '${a}:1-' || ${n}
    ELSE '${a}:1-${switchAt},${b}:1-' || (${n} - ${switchAt}) END`;
}

/** The transactions of file `i` (0-based) alone. */
function fileGtidsSql(shape: ClusterShape, i: string): string {
  const first = `(${i} * ${PER_FILE} + 1)`;
  const last = `((${i} + 1) * ${PER_FILE})`;
  if (shape.flavor === 'mariadb') return `'0-1-' || ${last}`;
  const [a, b] = UUIDS;
  if (shape.failoverAt === undefined) return `'${a}:' || ${first} || '-' || ${last}`;
  const switchAt = shape.failoverAt * PER_FILE;
  return `CASE WHEN ${i} < ${shape.failoverAt} THEN '${a}:' || ${first} || '-' || ${last}
    ELSE '${b}:' || (${first} - ${switchAt}) || '-' || (${last} - ${switchAt}) END`;
}

function lastGtidSql(shape: ClusterShape, i: string): string {
  const last = `((${i} + 1) * ${PER_FILE})`;
  if (shape.flavor === 'mariadb') return `'0-1-' || ${last}`;
  const [a, b] = UUIDS;
  if (shape.failoverAt === undefined) return `'${a}:' || ${last}`;
  const switchAt = shape.failoverAt * PER_FILE;
  return `CASE WHEN ${i} < ${shape.failoverAt} THEN '${a}:' || ${last} ELSE '${b}:' || (${last} - ${switchAt}) END`;
}

const serverKeySql = (shape: ClusterShape, i: string): string =>
  shape.flavor === 'mariadb'
    ? `'server-1'`
    : shape.failoverAt === undefined
      ? `'${UUIDS[0]}'`
      : `CASE WHEN ${i} < ${shape.failoverAt} THEN '${UUIDS[0]}' ELSE '${UUIDS[1]}' END`;

/** File names restart on the promoted replica, as a server's own binlog numbering does. */
const fileNameSql = (shape: ClusterShape, i: string): string =>
  `'binlog.' || lpad((${i} - ${shape.failoverAt !== undefined ? `CASE WHEN ${i} < ${shape.failoverAt} THEN 0 ELSE ${shape.failoverAt} END` : '0'} + 1)::text, 6, '0')`;

/** Commit times: MySQL keeps microseconds, MariaDB whole seconds. */
function commitAtSql(shape: ClusterShape, n: string): string {
  const fraction = shape.flavor === 'mysql' ? ` + interval '1 microsecond' * ((${n} * 7919) % 1000000)` : '';
  return `(start_at + interval '1 second' * (${n} * ${TRANSACTION_SECONDS})${fraction})`;
}

/** Inserts the cluster, its segments (and gap) and its backups, in stream order from `seqBase`. */
export async function generateCluster(db: Client, shape: ClusterShape, seqBase: number, startAt: Date): Promise<void> {
  const { tenantId, clusterId, flavor } = shape;
  const engine = flavor === 'mysql' ? 'clone' : 'mariadb-backup';
  await db.query(`INSERT INTO clusters (tenant_id, cluster_id, flavor, default_engine) VALUES ($1, $2, $3, $4)`, [
    tenantId,
    clusterId,
    flavor,
    engine,
  ]);
  const expired = shape.expiredFiles ?? 0;
  const gap = shape.gapAt ?? -1;
  await db.query(
    `INSERT INTO binlog_segments (tenant_id, cluster_id, stream_seq, server_key, server_uuid, server_id, file_name, status,
       previous_gtids, gtids, reached_gtids, first_gtid, last_gtid, transactions, first_event_at, last_event_at, first_commit_at,
       last_commit_at, size_bytes, sha256, object_key, stored_bytes, stored_sha256, index_key, archived_at, expired_at, archived_through,
       newest_commit_through)
     SELECT $1, $2, $3::bigint + i, ${serverKeySql(shape, 'i')}, ${flavor === 'mysql' ? serverKeySql(shape, 'i') : 'NULL'},
       CASE WHEN ${shape.failoverAt ?? 'NULL'}::int IS NOT NULL AND i >= ${shape.failoverAt ?? 0} THEN 2 ELSE 1 END,
       ${fileNameSql(shape, 'i')}, CASE WHEN i < ${expired} THEN 'expired' ELSE 'archived' END,
       ${historySql(shape, `(i * ${PER_FILE})`)}, ${fileGtidsSql(shape, 'i')}, ${historySql(shape, `((i + 1) * ${PER_FILE})`)},
       NULL, ${lastGtidSql(shape, 'i')}, ${PER_FILE},
       start_at + interval '1 second' * (i * ${FILE_SECONDS}), ${commitAtSql(shape, `((i + 1) * ${PER_FILE})`)},
       ${commitAtSql(shape, `(i * ${PER_FILE} + 1)`)}, ${commitAtSql(shape, `((i + 1) * ${PER_FILE})`)},
       100000000 + i % 4096, md5(i::text) || md5($2 || i::text), 'binlogs/' || $2 || '/' || i, 30000000, md5(i::text) || md5($1),
       'binlogs/' || $2 || '/' || i || '.index', start_at + interval '1 second' * ((i + 1) * ${FILE_SECONDS} + 30),
       CASE WHEN i < ${expired} THEN now() END, i + CASE WHEN ${gap} >= 0 AND i > ${gap} THEN 0 ELSE 1 END,
       ${commitAtSql(shape, `((i + 1) * ${PER_FILE})`)}
     FROM generate_series(0::bigint, $4::bigint - 1) AS i, (SELECT $5::timestamptz AS start_at) s
     WHERE i <> ${gap}`,
    [tenantId, clusterId, seqBase, shape.files, startAt.toISOString()],
  );
  if (shape.gapAt !== undefined) {
    await db.query(
      `INSERT INTO archive_gaps (tenant_id, cluster_id, stream_seq, server_key, after_file, before_file, missing_from_file,
         missing_to_file, reached_before, missing_gtids, reached_gtids, detected_at)
       SELECT $1, $2, $3::bigint + i, ${serverKeySql(shape, 'i')}, ${fileNameSql(shape, '(i - 1)')}, ${fileNameSql(shape, '(i + 1)')},
         ${fileNameSql(shape, 'i')}, ${fileNameSql(shape, 'i')}, ${historySql(shape, `(i * ${PER_FILE})`)}, ${fileGtidsSql(shape, 'i')},
         ${historySql(shape, `((i + 1) * ${PER_FILE})`)}, start_at + interval '1 second' * ((i + 2) * ${FILE_SECONDS})
       FROM (SELECT $4::bigint AS i, $5::timestamptz AS start_at) g`,
      [tenantId, clusterId, seqBase, shape.gapAt, startAt.toISOString()],
    );
  }
  // Backups spread evenly, each taken mid-file; those before the expired files expired with them.
  const spacing = Math.floor(shape.files / shape.backups);
  await db.query(
    `INSERT INTO backups (tenant_id, cluster_id, backup_id, compliance_tier, workflow_id, engine, flavor, status, gtid_executed,
       binlog_file, binlog_position, artifact_key, manifest_key, size_bytes, stored_sha256, manifest, started_at, finished_at, verified_at)
     SELECT $1, $2, 'backup-' || j, 'standard', 'backup-' || j, $3::text, $4::text,
       CASE WHEN f < ${expired} THEN 'expired' ELSE 'completed' END, ${historySql(shape, 'n')}, ${fileNameSql(shape, 'f')}, 4096,
       'backups/' || $2 || '/' || j, 'backups/' || $2 || '/' || j || '.manifest', 5000000000, md5(j::text) || md5($2),
       jsonb_build_object('serverVersion', $5::text, 'engine', $3::text), started, started + interval '20 minutes',
       started + interval '40 minutes'
     FROM generate_series(0::bigint, $6::bigint - 1) AS j,
       LATERAL (SELECT j * ${spacing} + ${Math.floor(spacing / 2)} AS f) file,
       LATERAL (SELECT f * ${PER_FILE} + ${PER_FILE / 2 - 0.5} AS n) coordinate,
       LATERAL (SELECT $7::timestamptz + interval '1 second' * (n * ${TRANSACTION_SECONDS} + 1) - interval '20 minutes' AS started) s`,
    [tenantId, clusterId, engine, flavor, flavor === 'mysql' ? '9.7.0' : '11.8.3-MariaDB', shape.backups, startAt.toISOString()],
  );
}

/** The instant transaction `n` of a cluster commits at. */
export const commitInstant = (startAt: Date, n: number): Date => new Date(startAt.getTime() + n * TRANSACTION_SECONDS * 1000);

export const transactionsOf = (shape: ClusterShape): number => shape.files * PER_FILE;
