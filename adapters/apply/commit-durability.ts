import type { Connection } from 'mysql2/promise';
import { firstRow } from '../engines/sql-connection';

/**
 * Runs `apply` with the server not syncing its binlog and redo log at every commit, then puts
 * its settings back and flushes both logs. Nothing reads the restored server while binlogs
 * replay, and a crash in the middle means restoring again from the base backup, so a sync
 * per transaction buys nothing; it is most of the cost of a single-session replay and limits
 * the parallel applier to one group commit per sync.
 */
export async function withoutCommitSyncs<T>(conn: Connection, apply: () => Promise<T>): Promise<T> {
  const settings = await firstRow<{ syncBinlog: number; flushLog: number }>(
    conn,
    'SELECT @@GLOBAL.sync_binlog AS syncBinlog, @@GLOBAL.innodb_flush_log_at_trx_commit AS flushLog',
  );
  await conn.query('SET GLOBAL sync_binlog = 0, GLOBAL innodb_flush_log_at_trx_commit = 2');
  let applied = false;
  try {
    const result = await apply();
    applied = true;
    return result;
  } finally {
    // LOCAL: a FLUSH otherwise goes to the binlog, under a GTID of the restored server's own.
    const restore = (async () => {
      await conn.query('SET GLOBAL sync_binlog = ?, GLOBAL innodb_flush_log_at_trx_commit = ?', [
        settings?.syncBinlog ?? 1,
        settings?.flushLog ?? 1,
      ]);
      await conn.query('FLUSH LOCAL BINARY LOGS');
      await conn.query('FLUSH LOCAL ENGINE LOGS');
    })();
    // A failed apply keeps its own error.
    await (applied ? restore : restore.catch(() => undefined));
  }
}
