import { statfs } from 'node:fs/promises';
import { mkdir } from 'node:fs/promises';
import type { Connection } from 'mysql2/promise';
import type { BackupRef, PrepareResult } from '../../domain/backup';
import { PitrError } from '../../domain/errors';
import type { AgentConfig } from '../../adapters/config/config';
import { queryOne, withDatabase } from '../../adapters/db/connect';
import { schemasExcept } from '../../adapters/engines/system-schemas';
import { contentionVerdict, readLockContention } from './lock-contention';

export class BackupDeferredError extends PitrError {}
export class ServerNotReadyForPitrError extends PitrError {}
export class DiskHeadroomError extends PitrError {}

/** Schemas without table data of their own: sizing them would only open their views. */
const NO_DATA_SCHEMAS = new Set(['information_schema', 'performance_schema', 'sys']);

/** The bytes of the source's base tables, looked up schema by schema (see `userTables` for why). */
async function dataBytesOf(conn: Connection): Promise<number> {
  let total = 0;
  for (const name of await schemasExcept(conn, NO_DATA_SCHEMAS)) {
    const size = await queryOne<{ bytes: string | null }>(
      conn,
      "SELECT SUM(data_length + index_length) AS bytes FROM information_schema.tables WHERE table_schema = ? AND table_type = 'BASE TABLE'",
      [name],
    );
    total += Number(size.bytes ?? 0);
  }
  return total;
}

async function requireBinlogsAndGtids(conn: Connection, flavor: AgentConfig['database']['flavor']): Promise<void> {
  if (flavor === 'mysql') {
    const s = await queryOne<{ logBin: string; gtidMode: string; consistency: string }>(
      conn,
      'SELECT @@global.log_bin AS logBin, @@global.gtid_mode AS gtidMode, @@global.enforce_gtid_consistency AS consistency',
    );
    if (String(s.logBin) !== '1' || s.gtidMode !== 'ON' || s.consistency !== 'ON') {
      throw new ServerNotReadyForPitrError(
        `point-in-time recovery needs log_bin=1, gtid_mode=ON, enforce_gtid_consistency=ON; the server has log_bin=${s.logBin}, gtid_mode=${s.gtidMode}, enforce_gtid_consistency=${s.consistency}`,
        { hint: 'enable binary logging and GTIDs on the server (see MySQL’s online GTID enablement procedure)', terminal: true },
      );
    }
    return;
  }
  const s = await queryOne<{ logBin: string }>(conn, 'SELECT @@global.log_bin AS logBin');
  if (String(s.logBin) !== '1') {
    throw new ServerNotReadyForPitrError('point-in-time recovery needs binary logging; the MariaDB server has log_bin=OFF', {
      hint: 'start the server with --log-bin',
      terminal: true,
    });
  }
}

/**
 * Phase 1: the server is fit for a PITR backup, staging has room for it, and no long DDL
 * or metadata-lock queue over the configured limits is in the way (that defers the backup
 * with a transient error naming the sessions involved).
 */
export async function prepareBackup(config: AgentConfig, ref: BackupRef, stagingDir: string): Promise<PrepareResult> {
  return withDatabase(config.database, async (conn) => {
    await requireBinlogsAndGtids(conn, config.database.flavor);
    const contention = await readLockContention(conn, config.database.flavor, config.maxDdlSeconds);
    const verdict = contentionVerdict(contention, config);
    if (verdict) {
      throw new BackupDeferredError(`backup ${ref.backupId} deferred: ${verdict}`, {
        hint: 'the backup retries with backoff; if it persists, end or finish the named session (KILL <thread>) or raise maxLockWaiters / maxLockWaitSeconds / maxDdlSeconds in the agent configuration',
      });
    }
    const server = await queryOne<{ version: string; serverId: string; uuid: string | null; lowerCaseTableNames: string }>(
      conn,
      `SELECT @@version AS version, @@server_id AS serverId, ${config.database.flavor === 'mysql' ? '@@server_uuid' : 'NULL'} AS uuid,
              @@lower_case_table_names AS lowerCaseTableNames`,
    );
    const dataBytes = await dataBytesOf(conn);
    await mkdir(stagingDir, { recursive: true });
    const fs = await statfs(stagingDir);
    const stagingFreeBytes = fs.bavail * fs.bsize;
    const needed = Math.ceil(dataBytes * config.headroom);
    if (stagingFreeBytes < needed) {
      throw new DiskHeadroomError(
        `staging ${stagingDir} has ${stagingFreeBytes} bytes free; the backup needs ${needed} (${dataBytes} bytes of data × ${config.headroom})`,
        { hint: 'free space in the staging folder or point stagingDir at a larger volume', terminal: true },
      );
    }
    return {
      flavor: config.database.flavor,
      serverVersion: server.version,
      serverUuid: server.uuid ?? undefined,
      serverId: Number(server.serverId),
      lowerCaseTableNames: Number(server.lowerCaseTableNames),
      dataBytes,
      stagingFreeBytes,
      lockCheck: contention.source,
    };
  });
}
