import type { Connection } from 'mysql2/promise';
import { MariadbGtidPosition } from '../../domain/gtid';
import { firstRow } from '../engines/sql-connection';
import type { Flavor } from '../servers/db-instance';

/**
 * The transactions the server has executed. MySQL: `gtid_executed`. MariaDB: per domain the
 * later of `gtid_slave_pos` (advanced by the replication applier) and `gtid_binlog_pos`
 * (advanced by a client replaying binlogs); a restore sets both to the backup coordinate.
 */
export async function readExecutedGtids(conn: Connection, flavor: Flavor): Promise<string> {
  if (flavor === 'mysql') {
    const row = await firstRow<{ gtid: string }>(conn, 'SELECT @@GLOBAL.gtid_executed AS gtid');
    return (row?.gtid ?? '').replace(/\s+/g, '');
  }
  const row = await firstRow<{ slave: string; binlog: string }>(
    conn,
    'SELECT @@GLOBAL.gtid_slave_pos AS slave, @@GLOBAL.gtid_binlog_pos AS binlog',
  );
  return MariadbGtidPosition.parse(row?.slave ?? '')
    .union(MariadbGtidPosition.parse(row?.binlog ?? ''))
    .toString();
}

/**
 * A number that grows while the server writes anything: rows inserted, updated or deleted in
 * InnoDB. It moves during one huge transaction, when the executed GTIDs do not.
 */
export async function rowsWritten(conn: Connection): Promise<number> {
  const [rows] = await conn.query(
    "SHOW GLOBAL STATUS WHERE Variable_name IN ('Innodb_rows_inserted', 'Innodb_rows_updated', 'Innodb_rows_deleted')",
  );
  return (rows as { Value: string }[]).reduce((sum, row) => sum + Number(row.Value), 0);
}
