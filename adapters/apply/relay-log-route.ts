import { copyFile, link, mkdir, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Connection } from 'mysql2/promise';
import type { GtidAlgebra } from '../../domain/gtid';
import { firstRow } from '../engines/sql-connection';
import type { Flavor } from '../servers/db-instance';
import type { ApplyPlan, ApplyRun, PlannedFile } from './apply-plan';
import { ApplyFailedError, ApplyPlanError } from './errors';
import { watchApply, type WatchOptions } from './progress-watch';
import { readExecutedGtids, rowsWritten } from './server-state';

/** The source the applier pretends to replicate from; it never connects (only the SQL thread runs). */
const NO_SOURCE_HOST = 'pitr-binlog-apply.invalid';

interface ReplicationSql {
  stop: string;
  reset: string;
  /** Host, then relay log file and position (MariaDB: also as the source file and position). */
  change: string;
  start: string;
  status: string;
  running: string;
}

const SQL: Readonly<Record<Flavor, ReplicationSql>> = {
  mysql: {
    stop: 'STOP REPLICA',
    reset: 'RESET REPLICA ALL',
    change: 'CHANGE REPLICATION SOURCE TO SOURCE_HOST = ?, SOURCE_AUTO_POSITION = 0, RELAY_LOG_FILE = ?, RELAY_LOG_POS = ?',
    start: 'START REPLICA SQL_THREAD UNTIL RELAY_LOG_FILE = ?, RELAY_LOG_POS = ?',
    status: 'SHOW REPLICA STATUS',
    running: 'Replica_SQL_Running',
  },
  mariadb: {
    stop: 'STOP SLAVE',
    reset: 'RESET SLAVE ALL',
    // Without a source file name whose extension is a number, MariaDB 10.11's parallel applier
    // crashes comparing log names (seen on 10.11.19), so the relay file stands in for it.
    change:
      'CHANGE MASTER TO MASTER_HOST = ?, MASTER_USE_GTID = no, MASTER_LOG_FILE = ?, MASTER_LOG_POS = ?, RELAY_LOG_FILE = ?, RELAY_LOG_POS = ?',
    start: 'START SLAVE SQL_THREAD UNTIL RELAY_LOG_FILE = ?, RELAY_LOG_POS = ?',
    status: 'SHOW SLAVE STATUS',
    running: 'Slave_SQL_Running',
  },
};

interface ApplierStatus {
  running: boolean;
  errno: number;
  error: string;
  position: string;
}

async function applierStatus(conn: Connection, flavor: Flavor): Promise<ApplierStatus> {
  const row = await firstRow<Record<string, string | number>>(conn, SQL[flavor].status);
  if (row === undefined)
    throw new ApplyFailedError(
      'the replication applier vanished',
      `${SQL[flavor].status} returned nothing: someone reset replication during the apply`,
    );
  return {
    running: row[SQL[flavor].running] === 'Yes',
    errno: Number(row.Last_SQL_Errno ?? 0),
    error: String(row.Last_SQL_Error ?? ''),
    position: `${row.Relay_Log_File}:${row.Relay_Log_Pos}`,
  };
}

/** MySQL's coordinator reports only that a worker failed; the worker's own error says why. */
async function applierError(conn: Connection, flavor: Flavor, status: ApplierStatus): Promise<string> {
  if (flavor === 'mariadb') return status.error;
  const [rows] = await conn.query(
    'SELECT LAST_ERROR_MESSAGE AS message FROM performance_schema.replication_applier_status_by_worker WHERE LAST_ERROR_NUMBER <> 0',
  );
  const messages = (rows as { message: string }[]).map((r) => r.message);
  return messages.length > 0 ? messages.join('\n') : status.error;
}

/** Hard links (copies across filesystems) of the files as the relay log `<base>.000001`..., and its index. */
async function placeRelayLog(base: string, indexFile: string, files: readonly PlannedFile[]): Promise<string[]> {
  const dir = dirname(base);
  await mkdir(dir, { recursive: true });
  const paths = files.map((_, i) => join(dir, `${basename(base)}.${String(i + 1).padStart(6, '0')}`));
  for (const [i, file] of files.entries()) {
    const target = paths[i]!;
    await rm(target, { force: true });
    try {
      await link(file.path, target);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EXDEV' && code !== 'EPERM') throw err;
      await copyFile(file.path, target);
    }
  }
  await writeFile(indexFile, `${paths.join('\n')}\n`);
  return paths;
}

/** Where the restored server keeps its relay log. */
export interface RelayLog {
  base: string;
  index: string;
}

/**
 * The restored server's relay log, once it is known that its applier will apply the plan's
 * files: a replica skips the events written under its own server_id.
 */
export async function relayLogFor<T>(conn: Connection, plan: ApplyPlan<T>): Promise<RelayLog> {
  const server = (await firstRow<{ serverId: number; base: string; index: string }>(
    conn,
    'SELECT @@server_id AS serverId, @@relay_log_basename AS base, @@relay_log_index AS `index`',
  ))!;
  const sameId = plan.runs.flatMap((run) => run.files).find((f) => f.serverId === Number(server.serverId));
  if (sameId !== undefined) {
    throw new ApplyPlanError(
      `the restored server has server_id ${server.serverId}, the same as the server that wrote ${sameId.path}: its applier would skip those transactions as its own`,
      { hint: 'start the restored instance with a server_id different from the source, or use the binlog-pipe route' },
    );
  }
  return { base: server.base, index: server.index };
}

/**
 * Route 1: the restored server's replication SQL thread (parallel workers when the server runs
 * with `applierServerArgs`) applies the binlogs as its relay log, run by run, from a run's start
 * up to `UNTIL RELAY_LOG_POS` = the end of its last transaction. A relay position ends the apply
 * after the transaction holding it on both servers, whatever the worker count; MySQL 9.7's
 * `SQL_AFTER_GTIDS` overshoots a tagged GTID and MariaDB allows `UNTIL master_gtid_pos` only
 * when replicating by GTID from a live source. A run is over when the SQL thread stops or the
 * server holds exactly the run's planned state; replication is reset after each run in every case.
 */
export async function applyThroughReplication<T extends GtidAlgebra<T>>(
  conn: Connection,
  plan: ApplyPlan<T>,
  relayLog: RelayLog,
  watch: Omit<WatchOptions<T>, 'wake'>,
): Promise<void> {
  for (const run of plan.runs) await applyRun(conn, run, relayLog, watch);
}

async function applyRun<T extends GtidAlgebra<T>>(
  conn: Connection,
  run: ApplyRun<T>,
  relayLog: RelayLog,
  watch: Omit<WatchOptions<T>, 'wake'>,
): Promise<void> {
  const flavor = watch.gtids.flavor;
  const sql = SQL[flavor];
  await conn.query(sql.stop);
  await conn.query(sql.reset);
  const relayFiles = await placeRelayLog(relayLog.base, relayLog.index, run.files);
  let applied = false;
  try {
    const first = basename(relayFiles[0]!);
    const last = basename(relayFiles[relayFiles.length - 1]!);
    const changeArgs =
      flavor === 'mysql' ? [NO_SOURCE_HOST, first, run.startOffset] : [NO_SOURCE_HOST, first, run.startOffset, first, run.startOffset];
    await conn.query(sql.change, changeArgs);
    await conn.query(sql.start, [last, run.stopOffset]);
    await watchApply(watch, async () => {
      const status = await applierStatus(conn, flavor);
      if (!status.running && status.errno !== 0)
        throw new ApplyFailedError('the replication applier stopped on an error', await applierError(conn, flavor, status));
      const executed = await readExecutedGtids(conn, flavor);
      // MariaDB checks a relay position only on reading the next event: at the very end of the
      // relay log it waits instead. The UNTIL position still keeps it from going past the stop.
      const reached = watch.gtids.parse(executed).equals(run.expected);
      return { executed, activity: `${status.position}|${await rowsWritten(conn)}`, done: !status.running || reached };
    });
    applied = true;
  } finally {
    const reset = (async () => {
      await conn.query(sql.stop);
      await conn.query(sql.reset);
      await Promise.all(relayFiles.map((path) => rm(path, { force: true })));
    })();
    // A failed apply keeps its own error; a reset failing after a good apply is the error.
    await (applied ? reset : reset.catch(() => undefined));
  }
}
