import { dirname } from 'node:path';
import type { Connection, RowDataPacket } from 'mysql2/promise';

/** The server's binlog directory and current file, asked of the server itself. */
export async function binlogLocation(conn: Connection): Promise<{ dir: string; current: string }> {
  const [[vars]] = await conn.query<RowDataPacket[]>('SELECT @@log_bin_basename AS base');
  const [status] = await conn.query<RowDataPacket[]>('SHOW BINARY LOGS');
  return { dir: dirname(String(vars?.base)), current: String(status[status.length - 1]?.Log_name) };
}
