import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { ActivityFailure, ApplicationFailure, WorkflowFailedError, type Client } from '@temporalio/client';
import { createConnection, type Connection } from 'mysql2/promise';
import { unpackArtifact } from '../../../adapters/artifact/download';
import { packArtifact } from '../../../adapters/artifact/upload';
import { createCentralArchiveActivities } from '../../../activities/archive/central-activities';
import type { ClusterRecoverability } from '../../../activities/archive/recoverable';
import { readSegmentIndex, segmentIndexHeader, SegmentIndexWriter } from '../../../activities/archive/segment-index';
import type { CentralArchiveActivities } from '../../../activities/archive/types';
import { Catalog } from '../../../adapters/catalog/catalog';
import { getCluster, parseCluster, upsertCluster } from '../../../adapters/catalog/clusters';
import { listArchive, type ArchiveEntry, type SegmentRecord } from '../../../adapters/catalog/segments';
import { artifactServicesFromConfig } from '../../../adapters/config/artifact-services';
import { resolveSecret, type CentralConfig } from '../../../adapters/config/config';
import type { DbInstance } from '../../../adapters/servers/db-instance';
import { segmentIndexKey, segmentKey } from '../../../adapters/storage/layout';
import type { BinlogArchiveResult, BinlogServer, InspectedSegment, UploadedSegment } from '../../../domain/archive/types';
import { binlogFileSource, indexBinlog } from '../../../domain/binlog/reader';
import { MariadbBinlogState } from '../../../domain/archive/mariadb-binlog-state';
import { MysqlGtidSet } from '../../../domain/gtid';
import type { EngineName, Flavor } from '../../../domain/backup';
import type { BinlogTransaction } from '../../../domain/binlog/types';
import { binlogArchiveWorkflow } from '../../../workflows';
import { CENTRAL_TASK_QUEUE } from '../../../domain/task-queues';
import { testStack } from '../../harness/env';
import { waitFor } from '../../harness/wait';
import { centralConfig } from '../../harness/workers';

export interface ClusterIds {
  tenantId: string;
  clusterId: string;
  engine: EngineName;
}

export const ENGINE: Record<Flavor, EngineName> = { mysql: 'mysqldump', mariadb: 'mariadb-dump' };

/** Every engine the toolchain runs, with its flavor (xtrabackup has no binary here). */
export const ENGINES_UNDER_TEST: ReadonlyArray<{ flavor: Flavor; engine: EngineName }> = [
  { flavor: 'mysql', engine: 'clone' },
  { flavor: 'mysql', engine: 'mysqldump' },
  { flavor: 'mariadb', engine: 'mariadb-dump' },
  { flavor: 'mariadb', engine: 'mariadb-backup' },
];

export async function withCentralCatalog<T>(fn: (catalog: Catalog) => Promise<T>): Promise<T> {
  const catalog = Catalog.open(resolveSecret(centralConfig().catalogUrl));
  try {
    return await fn(catalog);
  } finally {
    await catalog.close();
  }
}

export async function setRpo(ids: ClusterIds, flavor: Flavor, rpoSeconds: number): Promise<void> {
  await withCentralCatalog(async (catalog) => {
    const { archiveSource } = await getCluster(catalog, ids.tenantId, ids.clusterId);
    await upsertCluster(
      catalog,
      parseCluster({ tenantId: ids.tenantId, clusterId: ids.clusterId, flavor, defaultEngine: ids.engine, rpoSeconds, archiveSource }),
    );
  });
}

let passes = 0;

/** One archive pass, as the schedule would start it. */
export function archivePass(client: Client, ids: ClusterIds): Promise<BinlogArchiveResult> {
  passes += 1;
  return client.workflow.execute(binlogArchiveWorkflow, {
    taskQueue: CENTRAL_TASK_QUEUE,
    workflowId: `archive-${ids.clusterId}-${passes}`,
    args: [{ tenantId: ids.tenantId, clusterId: ids.clusterId }],
  });
}

/** The type of the terminal failure that ended a pass. */
export async function failedPassType(pass: Promise<unknown>): Promise<string> {
  try {
    await pass;
  } catch (err) {
    if (err instanceof WorkflowFailedError) {
      const cause = err.cause instanceof ActivityFailure ? err.cause.cause : err.cause;
      if (cause instanceof ApplicationFailure && cause.nonRetryable) return cause.type ?? '(untyped)';
    }
    throw err;
  }
  throw new Error('the archive pass succeeded where it had to fail');
}

/** A history in the flavor's canonical text: a MySQL GTID set, a MariaDB binlog state. */
export function canonical(flavor: Flavor, history: string): string {
  return flavor === 'mysql' ? MysqlGtidSet.parse(history).toString() : MariadbBinlogState.parse(history).toString();
}

export async function sql(db: DbInstance): Promise<Connection> {
  // Over its socket: a source may take TCP sessions only with TLS.
  return createConnection({ socketPath: db.socket, user: db.user, password: db.password, multipleStatements: true });
}

export async function executedGtids(conn: Connection, flavor: Flavor): Promise<string> {
  const [rows] = await conn.query(flavor === 'mysql' ? 'SELECT @@global.gtid_executed AS g' : 'SELECT @@global.gtid_binlog_pos AS g');
  return String((rows as Array<{ g: string }>)[0]!.g).replace(/\s+/g, '');
}

export async function binlogNames(conn: Connection): Promise<string[]> {
  const [rows] = await conn.query('SHOW BINARY LOGS');
  return (rows as Array<{ Log_name: string }>).map((r) => r.Log_name);
}

/** A few single-row transactions in a binlog of their own. */
export async function writeAndRotate(conn: Connection, rows: number): Promise<void> {
  await conn.query(
    'CREATE DATABASE IF NOT EXISTS shop; CREATE TABLE IF NOT EXISTS shop.orders (id BIGINT AUTO_INCREMENT PRIMARY KEY, note VARCHAR(64))',
  );
  for (let i = 0; i < rows; i++) await conn.query('INSERT INTO shop.orders (note) VALUES (?)', [`row ${i}`]);
  await conn.query('FLUSH BINARY LOGS');
}

/**
 * PURGE BINARY LOGS TO the active file. MariaDB keeps the files its binlog checkpoint still
 * needs, and the checkpoint trails InnoDB's log flush, which a busy machine delays: wait for it.
 */
export async function purgeAllButActive(conn: Connection): Promise<string[]> {
  const before = await binlogNames(conn);
  const active = before[before.length - 1]!;
  await waitFor(
    `the server to purge its binlogs before ${active}`,
    async () => {
      await conn.query(`PURGE BINARY LOGS TO '${active}'`);
      return (await binlogNames(conn))[0] === active;
    },
    60_000,
  );
  return before.slice(0, -1);
}

export async function archiveOf(ids: ClusterIds): Promise<ArchiveEntry[]> {
  return withCentralCatalog((catalog) => listArchive(catalog, ids.tenantId, ids.clusterId));
}

export function segmentsOf(entries: ArchiveEntry[]): SegmentRecord[] {
  return entries.flatMap((e) => (e.kind === 'segment' ? [e] : []));
}

/** Every transaction of every archived segment, read back from the per-transaction indexes. */
export async function indexedTransactions(
  central: CentralConfig,
  tenantId: string,
  segments: SegmentRecord[],
): Promise<Map<SegmentRecord, BinlogTransaction[]>> {
  const services = artifactServicesFromConfig(central);
  try {
    const bySegment = new Map<SegmentRecord, BinlogTransaction[]>();
    for (const s of segments) {
      if (s.indexKey === null) continue;
      bySegment.set(
        s,
        (await readSegmentIndex({ store: services.store, keys: services.keys, key: s.indexKey, tenant: tenantId })).transactions,
      );
    }
    return bySegment;
  } finally {
    services.close();
  }
}

/** SHA-256 of the binlog bytes an archived segment decodes to. */
export async function archivedSha256(central: CentralConfig, segment: SegmentRecord): Promise<string> {
  const services = artifactServicesFromConfig(central);
  const hash = createHash('sha256');
  try {
    await unpackArtifact({
      store: services.store,
      key: segment.objectKey!,
      keys: services.keys,
      destination: { stream: new Writable({ write: (chunk: Buffer, _e, done) => done(void hash.update(chunk)) }) },
    });
    return hash.digest('hex');
  } finally {
    services.close();
  }
}

/** The object keys stored under a cluster's binlog prefix, and multipart uploads left open there. */
export async function storedBinlogObjects(
  central: CentralConfig,
  ids: ClusterIds,
  segments: SegmentRecord[],
): Promise<{ keys: string[]; openUploads: number }> {
  const services = artifactServicesFromConfig(central);
  try {
    const keys: string[] = [];
    for await (const o of services.store.list(`${services.prefix}tenants/${ids.tenantId}/clusters/${ids.clusterId}/binlogs/`))
      keys.push(o.key);
    let openUploads = 0;
    for (const s of segments) if (s.objectKey) openUploads += (await services.store.listMultipartUploads(s.objectKey)).length;
    return { keys: keys.sort(), openUploads };
  } finally {
    services.close();
  }
}

export async function storedSize(central: CentralConfig, key: string): Promise<number> {
  const services = artifactServicesFromConfig(central);
  try {
    const stored = await services.store.head(key);
    if (!stored) throw new Error(`nothing is stored at ${key}`);
    return stored.size;
  } finally {
    services.close();
  }
}

const run = promisify(execFile);

/** `pitr <args> --json` against the test stack, parsed. */
export async function pitrJson<T>(...args: string[]): Promise<T> {
  const cli = resolve(__dirname, '../../../client/cli.js');
  const { stdout } = await run(process.execPath, [cli, ...args, '--json', '--config', testStack().configs.central]);
  return JSON.parse(stdout) as T;
}

/** Makes `replica` replicate `source` by GTID; its binlogs log what it applies. */
export async function replicate(replica: Connection, source: DbInstance): Promise<void> {
  await replica.query(
    source.flavor === 'mysql'
      ? `CHANGE REPLICATION SOURCE TO SOURCE_HOST='${source.host}', SOURCE_PORT=${source.port}, SOURCE_USER='${source.user}', SOURCE_PASSWORD='${source.password}', SOURCE_AUTO_POSITION=1, GET_SOURCE_PUBLIC_KEY=1; START REPLICA`
      : `CHANGE MASTER TO MASTER_HOST='${source.host}', MASTER_PORT=${source.port}, MASTER_USER='${source.user}', MASTER_PASSWORD='${source.password}', MASTER_USE_GTID=slave_pos; START SLAVE`,
  );
}

/** Promotes a replica: it stops applying and forgets its source. */
export async function promote(replica: Connection, flavor: Flavor): Promise<void> {
  await replica.query(flavor === 'mysql' ? 'STOP REPLICA; RESET REPLICA ALL' : 'STOP SLAVE; RESET SLAVE ALL');
}

export async function caughtUp(replica: Connection, source: Connection, flavor: Flavor): Promise<void> {
  const deadline = Date.now() + 30_000;
  const wanted = await executedGtids(source, flavor);
  while ((await executedGtids(replica, flavor)) !== wanted) {
    if (Date.now() > deadline) throw new Error(`the replica did not reach ${wanted}`);
    await sleep(50);
  }
}

export async function insertRows(conn: Connection, rows: number): Promise<void> {
  for (let i = 0; i < rows; i++) await conn.query('INSERT INTO shop.orders (note) VALUES (?)', [`row ${i}`]);
}

export async function alertsOf(ids: ClusterIds): Promise<Array<{ kind: string; subject: string }>> {
  return withCentralCatalog((catalog) =>
    catalog.withTenant(
      ids.tenantId,
      async (c) => (await c.query('SELECT kind, subject FROM alerts WHERE cluster_id = $1 ORDER BY alert_id', [ids.clusterId])).rows,
    ),
  );
}

export function recoverableOf(ids: ClusterIds): Promise<ClusterRecoverability> {
  return pitrJson<ClusterRecoverability>('recoverable', '--tenant', ids.tenantId, '--cluster', ids.clusterId);
}

/** The central archive activities, called directly as the workflow would, on the test stack's catalog and storage. */
export async function withCentralActivities<T>(
  central: CentralConfig,
  fn: (activities: CentralArchiveActivities) => Promise<T>,
): Promise<T> {
  const services = artifactServicesFromConfig(central);
  try {
    return await withCentralCatalog((catalog) => fn(createCentralArchiveActivities(catalog, services)));
  } finally {
    services.close();
  }
}

/** A closed MySQL binlog of `db` read as the agent's inspectSegment reads it: bytes, SHA-256, summary. */
export async function inspectMysqlBinlog(db: DbInstance, file: string): Promise<InspectedSegment> {
  const hash = createHash('sha256');
  const { summary } = await indexBinlog(
    (async function* () {
      for await (const chunk of binlogFileSource(join(db.binlogDir, file))) {
        hash.update(chunk);
        yield chunk;
      }
    })(),
    { name: file },
  );
  return { file, sizeBytes: summary.bytes, sha256: hash.digest('hex'), gtids: summary.gtids, summary };
}

/** Stores a binlog of `db` and its per-transaction index where the agent's uploadSegment would. */
export async function uploadBinlog(
  central: CentralConfig,
  ids: ClusterIds,
  db: DbInstance,
  server: BinlogServer,
  file: string,
): Promise<UploadedSegment> {
  const services = artifactServicesFromConfig(central);
  const staging = mkdtempSync(join(tmpdir(), 'pitr-index-'));
  try {
    const path = join(db.binlogDir, file);
    const indexPath = join(staging, 'index.jsonl');
    const index = new SegmentIndexWriter(indexPath, segmentIndexHeader(file, server.key, db.flavor));
    for (const trx of (await indexBinlog(binlogFileSource(path), { name: file })).transactions) index.add(trx);
    index.close();
    const objectKey = segmentKey(services.prefix, ids, server.key, file);
    const pack = (key: string, from: string) =>
      packArtifact({ store: services.store, key, tenant: ids.tenantId, keys: services.keys, openInput: () => createReadStream(from) });
    const segment = await pack(objectKey, path);
    const stored = await pack(segmentIndexKey(objectKey), indexPath);
    return {
      objectKey,
      storedBytes: segment.storedBytes,
      storedSha256: segment.sha256,
      indexKey: segmentIndexKey(objectKey),
      indexStoredBytes: stored.storedBytes,
    };
  } finally {
    services.close();
    rmSync(staging, { recursive: true, force: true });
  }
}
