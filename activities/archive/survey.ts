import { open } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Connection } from 'mysql2/promise';
import { inBinlogOrder } from '../../domain/archive/binlog-names';
import { rotationDue } from '../../domain/archive/rotation';
import { binlogServerKey, type BinlogServer, type BinlogSurvey, type ServerBinlog } from '../../domain/archive/types';
import type { AgentConfig } from '../config/config';
import { queryOne, withDatabase } from '../db/connect';
import { BinlogFileMissingError } from './errors';

/** The path of a binlog the server names, inside the configured binlog folder. */
export function binlogPath(config: AgentConfig, name: string): string {
  if (basename(name) !== name) {
    throw new BinlogFileMissingError(`the server names binlog "${name}", which is not a plain file name`, {
      hint: 'set log_bin to a base name in database.binlogDir',
      terminal: true,
    });
  }
  return join(config.database.binlogDir, name);
}

async function serverIdentity(conn: Connection, flavor: AgentConfig['database']['flavor']): Promise<BinlogServer & { nowSeconds: number }> {
  if (flavor === 'mysql') {
    const row = await queryOne<{ uuid: string; id: string; now: string }>(conn, 'SELECT @@server_uuid AS uuid, @@server_id AS id, UNIX_TIMESTAMP() AS now');
    return { key: binlogServerKey(row.uuid, Number(row.id)), uuid: row.uuid, id: Number(row.id), nowSeconds: Number(row.now) };
  }
  const row = await queryOne<{ id: string; now: string }>(conn, 'SELECT @@server_id AS id, UNIX_TIMESTAMP() AS now');
  return { key: binlogServerKey(undefined, Number(row.id)), uuid: undefined, id: Number(row.id), nowSeconds: Number(row.now) };
}

async function listBinlogs(conn: Connection): Promise<ServerBinlog[]> {
  const [rows] = await conn.query('SHOW BINARY LOGS');
  return inBinlogOrder((rows as Array<{ Log_name: string; File_size: string }>).map((r) => ({ name: r.Log_name, sizeBytes: Number(r.File_size) })));
}

const TRANSACTION_START = /^(Gtid|Anonymous_Gtid|Gtid_tagged.*)$/;
/** Enough events to pass the header of a binlog (Format_desc, Previous_gtids or Gtid_list, checkpoints). */
const HEADER_EVENTS = 20;

/**
 * When the oldest transaction of the active binlog began (the first GTID event's header
 * timestamp, server clock), or undefined when the file holds no transaction yet.
 */
async function oldestTransactionIn(conn: Connection, config: AgentConfig, active: string): Promise<number | undefined> {
  const [rows] = await conn.query(`SHOW BINLOG EVENTS IN ? LIMIT ${HEADER_EVENTS}`, [active]);
  const first = (rows as Array<{ Event_type: string; Pos: string }>).find((e) => TRANSACTION_START.test(e.Event_type));
  if (!first) return undefined;
  const path = binlogPath(config, active);
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    throw new BinlogFileMissingError(`the server's active binlog ${active} is not at ${path}: ${(err as Error).message}`, {
      hint: 'set database.binlogDir in the agent configuration to the folder of the server\'s log_bin',
      terminal: true,
      cause: err,
    });
  }
  try {
    const header = Buffer.alloc(4);
    await handle.read(header, 0, 4, Number(first.Pos));
    return header.readUInt32LE(0);
  } finally {
    await handle.close();
  }
}

/**
 * Lists the server's binlogs and, when the RPO target is due, closes the active one with
 * FLUSH BINARY LOGS so its transactions can be archived in this pass.
 */
export async function surveyBinlogs(config: AgentConfig, rpoSeconds: number): Promise<BinlogSurvey> {
  return withDatabase(config.database, async (conn) => {
    const { nowSeconds, ...server } = await serverIdentity(conn, config.database.flavor);
    let files = await listBinlogs(conn);
    let rotated: string | undefined;
    const active = files[files.length - 1]?.name;
    if (active === undefined) {
      throw new BinlogFileMissingError(`the ${config.database.flavor} server at ${config.database.host}:${config.database.port} lists no binlogs`, {
        hint: 'enable binary logging (log_bin) on the server; there is nothing to archive without it',
        terminal: true,
      });
    }
    const oldest = await oldestTransactionIn(conn, config, active);
    if (rotationDue({ oldestUnarchivedSeconds: oldest, nowSeconds, rpoSeconds })) {
      await conn.query('FLUSH BINARY LOGS');
      rotated = active;
      files = await listBinlogs(conn);
    }
    return { server, closed: files.slice(0, -1), active: files[files.length - 1]!.name, rotated };
  });
}
