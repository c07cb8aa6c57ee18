import { setTimeout as sleep } from 'node:timers/promises';
import { listBackups } from '../../../adapters/catalog/backups';
import type { AgentConfig } from '../../../adapters/config/config';
import type { DbInstance } from '../../../adapters/servers/db-instance';
import type { ServerBinaries } from '../../../adapters/servers/server-binaries';
import type { EngineName, Flavor } from '../../../domain/backup';
import { freshDbInstance } from '../../harness/instances';
import { startBackup, startTestCluster, temporalClient } from '../../harness/workers';
import { archivePass, ENGINE, setRpo, sql, withCentralCatalog } from '../archive/archive-harness';
import { OracleWriter, type CommittedRow, type WriterPace } from './oracle-writer';

export interface Cluster {
  flavor: Flavor;
  ids: { tenantId: string; clusterId: string; engine: EngineName };
  rows: CommittedRow[];
  backupFinishedMicros: number;
  /** When the source's binlog was rotated, after the backup, under writes. */
  rotatedMicros: number;
}

/**
 * Rows committed under the oracle writer, a base backup mid-stream, more rows, a rotation under
 * writes (so an instant after it lies in a later binlog than the coordinate), then everything
 * archived. Central workers must be running.
 */
export async function archivedCluster(
  flavor: Flavor,
  pace: WriterPace & { settleMs: number },
  name = 'restore',
  /** Writes more, beside the oracle writer, after the rotation. */
  afterRotation?: (db: DbInstance) => Promise<void>,
  /**
   * The source's release (default: the toolchain's) and server options, and the engine and agent
   * configuration it is backed up with (`agent` may set the source up first: accounts, TLS).
   */
  source: {
    server?: ServerBinaries;
    extraArgs?: string[];
    engine?: EngineName;
    agent?: Partial<AgentConfig> | ((db: DbInstance) => Promise<Partial<AgentConfig>>);
  } = {},
): Promise<Cluster> {
  const db = await freshDbInstance(flavor, {
    ...(source.server === undefined ? {} : { server: source.server }),
    ...(source.extraArgs === undefined ? {} : { extraArgs: source.extraArgs }),
  });
  const ids = { tenantId: 't-restore', clusterId: `c-${name}-${flavor}-${process.pid}`, engine: source.engine ?? ENGINE[flavor] };
  await startTestCluster(db, ids, typeof source.agent === 'function' ? await source.agent(db) : source.agent);
  await setRpo(ids, flavor, 1);
  const writer = await OracleWriter.open(db);
  writer.start(pace);
  await sleep(pace.settleMs / 2);
  await (await startBackup({ tenantId: ids.tenantId, clusterId: ids.clusterId })).handle.result();
  await sleep(pace.settleMs / 2);
  const flusher = await sql(db);
  await flusher.query('FLUSH BINARY LOGS');
  await flusher.end();
  const rotatedMicros = Date.now() * 1000;
  await afterRotation?.(db);
  await sleep(pace.settleMs / 2);
  const rows = await writer.stop();
  await sleep(1200);
  await archivePass(await temporalClient(), ids);
  const [backup] = await withCentralCatalog((catalog) => listBackups(catalog, ids.tenantId, ids.clusterId));
  return { flavor, ids, rows, backupFinishedMicros: Date.parse(backup!.finishedAt) * 1000, rotatedMicros };
}
