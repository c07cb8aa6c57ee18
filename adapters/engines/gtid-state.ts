import type { Connection } from 'mysql2/promise';
import type { Flavor } from '../servers/db-instance';
import { resetBinlogStatement } from '../../domain/release-statements';
import { firstRow } from './sql-connection';

/**
 * The GTID state binlog replay continues from. MySQL: `@@GLOBAL.gtid_executed`. MariaDB:
 * `@@gtid_current_pos`, which a restore makes equal to `gtid_binlog_state` (so replayed
 * transactions, which keep their original GTIDs, must come after it under gtid_strict_mode)
 * and to `gtid_slave_pos` (so `CHANGE MASTER TO MASTER_USE_GTID=slave_pos` resumes there).
 */
export async function readGtidState(conn: Connection, flavor: Flavor): Promise<string> {
  const variable = flavor === 'mysql' ? '@@GLOBAL.gtid_executed' : '@@GLOBAL.gtid_current_pos';
  const row = await firstRow<{ gtid: string }>(conn, `SELECT ${variable} AS gtid`);
  return row?.gtid ?? '';
}

export function gtidStateVariable(flavor: Flavor): string {
  return flavor === 'mysql' ? 'gtid_executed' : 'gtid_current_pos';
}

/** Both texts as printed by a server: MySQL orders sources itself; MariaDB's domain order may differ. */
export function sameGtidState(flavor: Flavor, a: string, b: string): boolean {
  const canonical = (text: string): string => {
    const compact = text.replace(/\s+/g, '');
    return flavor === 'mysql' ? compact : compact.split(',').filter(Boolean).sort().join(',');
  };
  return canonical(a) === canonical(b);
}

/**
 * Makes a restored server's GTID state exactly `gtid`, discarding whatever its own binlog
 * recorded while the data was loaded or started: MySQL through GTID_PURGED after emptying the
 * binlog; MariaDB through `gtid_binlog_state` (settable only on an empty binlog) and
 * `gtid_slave_pos`.
 */
export async function setGtidState(conn: Connection, flavor: Flavor, gtid: string): Promise<void> {
  const version = (await firstRow<{ version: string }>(conn, 'SELECT @@version AS version'))?.version ?? '';
  await conn.query(resetBinlogStatement(flavor, version));
  if (flavor === 'mysql') {
    if (gtid !== '') await conn.query('SET GLOBAL gtid_purged = ?', [gtid]);
    return;
  }
  await conn.query('SET GLOBAL gtid_binlog_state = ?', [gtid]);
  await conn.query('SET GLOBAL gtid_slave_pos = ?', [gtid]);
}
