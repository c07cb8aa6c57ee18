import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { listBackups } from '../../../adapters/catalog/backups';
import type { AgentConfig } from '../../../adapters/config/config';
import type { DbInstance } from '../../../adapters/servers/db-instance';
import type { ServerBinaries } from '../../../adapters/servers/server-binaries';
import type { EngineName, Flavor } from '../../../domain/backup';
import { freshDbInstance } from '../../harness/instances';
import { startBackup, startTestCluster, temporalClient } from '../../harness/workers';
import { startBinlogStream, stopBinlogStream } from '../../../client/binlogs/stream';
import { requestRestore } from '../../../client/restore/request';
import { isoMicros } from '../../../domain/archive/recoverable';
import { parseRestoreTarget } from '../../../domain/restore/target';
import type { PitrRestoreResult } from '../../../domain/restore/workflow-types';
import type { ArchiveSource } from '../../../domain/archive/stream-mirror';
import { archivePass, canonical, ENGINE, executedGtids, setRpo, sql, withCentralCatalog } from '../archive/archive-harness';
import { archiveStreamedThrough, sealedThrough, streamingAgentDatabase } from '../archive/stream-harness';
import { OracleWriter, type CommittedRow, type WriterPace } from './oracle-writer';

export interface Cluster {
  flavor: Flavor;
  ids: { tenantId: string; clusterId: string; engine: EngineName; archiveSource?: ArchiveSource };
  rows: CommittedRow[];
  backupFinishedMicros: number;
  /** When the source's binlog was rotated, after the backup, under writes. */
  rotatedMicros: number;
}

/**
 * Rows committed under the oracle writer, a base backup mid-stream, more rows, a rotation under
 * writes (so an instant after it lies in a later binlog than the coordinate), then everything
 * archived: from the server's folder, or with `archive: 'stream'` from a binlog stream the agent
 * receives without access to that folder. Central workers must be running.
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
    archive?: ArchiveSource;
    /** false: nothing rotates the binlog after the backup; a stream archives the open file in pieces, with no archive pass. */
    rotate?: boolean;
  } = {},
): Promise<Cluster> {
  const db = await freshDbInstance(flavor, {
    ...(source.server === undefined ? {} : { server: source.server }),
    ...(source.extraArgs === undefined ? {} : { extraArgs: source.extraArgs }),
  });
  const streamed = source.archive === 'stream';
  const ids = {
    tenantId: 't-restore',
    clusterId: `c-${name}-${flavor}-${process.pid}`,
    engine: source.engine ?? ENGINE[flavor],
    ...(streamed ? { archiveSource: 'stream' as const } : {}),
  };
  const agent = streamed
    ? { database: await streamingAgentDatabase(db, ids.clusterId) }
    : typeof source.agent === 'function'
      ? await source.agent(db)
      : source.agent;
  await startTestCluster(db, ids, agent);
  await setRpo(ids, flavor, 1);
  const client = await temporalClient();
  if (streamed) await startBinlogStream(client, ids);
  const writer = await OracleWriter.open(db);
  writer.start(pace);
  await sleep(pace.settleMs / 2);
  await (await startBackup({ tenantId: ids.tenantId, clusterId: ids.clusterId })).handle.result();
  await sleep(pace.settleMs / 2);
  if (source.rotate !== false) {
    const flusher = await sql(db);
    await flusher.query('FLUSH BINARY LOGS');
    await flusher.end();
  }
  const rotatedMicros = Date.now() * 1000;
  await afterRotation?.(db);
  await sleep(pace.settleMs / 2);
  const rows = await writer.stop();
  await sleep(1200);
  if (streamed) {
    const conn = await sql(db);
    const executed = canonical(flavor, await executedGtids(conn, flavor));
    await conn.end();
    if (source.rotate === false) await sealedThrough(ids, flavor, executed);
    else await archiveStreamedThrough(client, ids, flavor, executed);
    await stopBinlogStream(client, ids);
  } else {
    await archivePass(client, ids);
  }
  const [backup] = await withCentralCatalog((catalog) => listBackups(catalog, ids.tenantId, ids.clusterId));
  return { flavor, ids, rows, backupFinishedMicros: Date.parse(backup!.finishedAt) * 1000, rotatedMicros };
}

/** Restores `cluster` to `instant`: it must hold exactly the rows committed at or before it, `before` the last of them. */
export async function assertRestoresExactly(
  cluster: Cluster,
  instant: number,
  before: CommittedRow,
  key: string,
): Promise<PitrRestoreResult> {
  const restored = await (
    await requestRestore(await temporalClient(), {
      tenantId: cluster.ids.tenantId,
      clusterId: cluster.ids.clusterId,
      target: parseRestoreTarget(isoMicros(instant)),
      idempotencyKey: key,
    })
  ).result();
  assert.equal(restored.verification?.rowCounts['oracle.commits'], before.id, 'exactly the rows committed at or before the instant');
  assert.equal(restored.appliedThrough, before.gtidAfter, 'the GTID state just after that commit');
  return restored;
}
