import { rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Connection } from 'mysql2/promise';
import { PitrError } from '../../domain/errors';
import { startDbInstance, stopDbInstance, type DbInstance } from '../servers/db-instance';
import { ClonePluginMissingError, CoordinateMissingError, EngineAbortedError, EngineFailedError } from './errors';
import { connectionOf, connectSql, firstRow, sqlErrorText, withSql } from './sql-connection';
import { treeBytes } from './staging';
import { userTables } from './system-schemas';
import type { BackupOptions, BackupThrottle, EngineCoordinate, EngineOutput } from './types';

/** The folder under the staging folder that CLONE writes; it is the payload and becomes the restored datadir. */
export const CLONE_DATA_DIR = 'data';

const PROGRESS_POLL_MS = 500;

// The recovery probe reads the clone's coordinate from clone_status, which only the plugin
// provides. A source that loads it from its configuration leaves no row in the clone's
// mysql.plugin, so the probe loads it the way such a configuration does (when the row is
// there too, the server notes the duplicate in its log and runs the one plugin).
const CLONE_PLUGIN_LIBRARY = 'mysql_clone.so';

const CLONE_STATUS_SOURCE = 'performance_schema.clone_status (of the cloned datadir, after its recovery)';

/**
 * The recovery start must not act on the clone's contents: no replication channel it
 * inherited from a replica donor, no scheduled event writing rows. The smallest redo
 * capacity keeps the payload small (InnoDB resizes the redo files at every start, and the
 * restored server grows them back to its own setting).
 */
const RECOVERY_ARGS = [
  '--skip-replica-start',
  '--event-scheduler=DISABLED',
  '--innodb-redo-log-capacity=8M',
  `--plugin-load-add=${CLONE_PLUGIN_LIBRARY}`,
];

const THROTTLE_VARIABLES: ReadonlyArray<[string, keyof BackupThrottle]> = [
  ['clone_max_data_bandwidth', 'bandwidthMBps'],
  ['clone_max_concurrency', 'concurrency'],
];

/** The product never installs a plugin on a source: a missing or inactive clone plugin is the operator's to load. */
async function requireClonePlugin(conn: Connection): Promise<void> {
  const plugin = await firstRow<{ status: string }>(
    conn,
    "SELECT PLUGIN_STATUS AS status FROM information_schema.PLUGINS WHERE PLUGIN_NAME = 'clone'",
  );
  if (plugin?.status !== 'ACTIVE') throw new ClonePluginMissingError(plugin?.status ?? null, CLONE_PLUGIN_LIBRARY);
}

/** Sets the global throttle variables the caller asked for; the returned function puts the old values back. */
async function applyCloneThrottle(conn: Connection, throttle: BackupThrottle | undefined): Promise<() => Promise<void>> {
  const previous: Array<[string, unknown]> = [];
  for (const [variable, key] of THROTTLE_VARIABLES) {
    const wanted = throttle?.[key];
    if (wanted === undefined) continue;
    const current = await firstRow<{ value: unknown }>(conn, `SELECT @@GLOBAL.${variable} AS value`);
    await conn.query(`SET GLOBAL ${variable} = ?`, [wanted]);
    previous.push([variable, current?.value]);
  }
  return async () => {
    for (const [variable, value] of previous) await conn.query(`SET GLOBAL ${variable} = ?`, [value]);
  };
}

async function reportCloneProgress(monitor: Connection, onProgress: (bytesDone: number) => void): Promise<void> {
  const done = await firstRow<{ bytes: string | number | null }>(
    monitor,
    `SELECT SUM(p.DATA) AS bytes FROM performance_schema.clone_progress p
       JOIN performance_schema.clone_status s ON s.ID = p.ID WHERE s.STATE = 'In Progress'`,
  ).catch(() => undefined);
  if (done?.bytes != null) onProgress(Number(done.bytes));
}

/** Runs CLONE on `conn`, polling progress and honouring cancellation (KILL QUERY) from a second connection. */
async function cloneWatched(conn: Connection, dataDir: string, options: BackupOptions): Promise<void> {
  if (options.signal?.aborted) throw new EngineAbortedError('clone');
  const monitor = options.onProgress || options.signal ? await connectSql(options.db) : undefined;
  const cloneThread = conn.threadId;
  const killClone = (): void => void monitor?.query(`KILL QUERY ${cloneThread}`).catch(() => undefined);
  options.signal?.addEventListener('abort', killClone, { once: true });
  const onProgress = options.onProgress;
  const poll = monitor && onProgress ? setInterval(() => void reportCloneProgress(monitor, onProgress), PROGRESS_POLL_MS) : undefined;
  try {
    await conn.query('CLONE LOCAL DATA DIRECTORY = ?', [dataDir]);
  } finally {
    clearInterval(poll);
    options.signal?.removeEventListener('abort', killClone);
    await monitor?.end().catch(() => undefined);
  }
}

async function cloneVersion(conn: Connection): Promise<string> {
  const row = await firstRow<{ server: string; plugin: string }>(
    conn,
    "SELECT @@version AS server, PLUGIN_LIBRARY_VERSION AS plugin FROM information_schema.PLUGINS WHERE PLUGIN_NAME = 'clone'",
  );
  return `mysqld ${row?.server ?? '?'}, clone plugin ${row?.plugin ?? '?'}`;
}

function cloneFailure(err: unknown, signal: AbortSignal | undefined): Error {
  if (signal?.aborted) return new EngineAbortedError('clone');
  if (err instanceof PitrError) return err;
  return new EngineFailedError('clone', null, sqlErrorText(err));
}

async function readRecoveredClone(probe: DbInstance): Promise<{ coordinate: EngineCoordinate; schemaTables: string[] }> {
  return withSql(connectionOf(probe), async (conn) => {
    const status = await firstRow<{ state: string; binlogFile: string; binlogPosition: number | string; gtid: string }>(
      conn,
      `SELECT STATE AS state, BINLOG_FILE AS binlogFile, BINLOG_POSITION AS binlogPosition, GTID_EXECUTED AS gtid
         FROM performance_schema.clone_status`,
    );
    if (status?.state !== 'Completed' || !status.binlogFile) {
      throw new CoordinateMissingError('clone', 'binlog coordinate', CLONE_STATUS_SOURCE);
    }
    const schemaTables = await userTables(conn);
    return {
      coordinate: {
        gtidExecuted: status.gtid.replace(/\s+/g, ''),
        binlogFile: basename(status.binlogFile),
        binlogPosition: Number(status.binlogPosition),
        source: CLONE_STATUS_SOURCE,
      },
      schemaTables,
    };
  });
}

/**
 * A local clone's coordinate is not on the donor: there clone_status leaves BINLOG_FILE and
 * GTID_EXECUTED empty (MySQL 9.7). The recipient fills them in when InnoDB recovery of the
 * cloned datadir runs, from the binlog position and GTIDs stored in the clone itself. So we
 * start a server on the clone once, read them, and stop it: the payload is then a recovered,
 * cleanly shut down datadir that a restore only has to start.
 */
async function recoverClone(
  stagingDir: string,
  lowerCaseTableNames: number,
): Promise<{ coordinate: EngineCoordinate; schemaTables: string[] }> {
  let probe: DbInstance;
  try {
    // The clone's data dictionary keeps the donor's lower_case_table_names: mysqld starts it with no other.
    probe = await startDbInstance({ flavor: 'mysql', dir: stagingDir, extraArgs: RECOVERY_ARGS, lowerCaseTableNames });
  } catch (err) {
    await stopDbInstance(stagingDir);
    throw new EngineFailedError('mysqld (recovering the clone)', null, (err as Error).message, false);
  }
  try {
    return await readRecoveredClone(probe);
  } finally {
    await stopDbInstance(stagingDir);
    // Every server started on this datadir must generate its own server_uuid, or their GTIDs collide.
    rmSync(join(stagingDir, CLONE_DATA_DIR, 'auto.cnf'), { force: true });
  }
}

export async function cloneBackup(options: BackupOptions): Promise<EngineOutput> {
  const dataDir = join(options.stagingDir, CLONE_DATA_DIR);
  let cloned: { toolVersion: string; lowerCaseTableNames: number };
  try {
    cloned = await withSql(options.db, async (conn) => {
      await requireClonePlugin(conn);
      const setting = await firstRow<{ value: number | string }>(conn, 'SELECT @@GLOBAL.lower_case_table_names AS value');
      const restoreThrottle = await applyCloneThrottle(conn, options.throttle);
      let failure: unknown;
      try {
        await cloneWatched(conn, dataDir, options);
      } catch (err) {
        failure = err;
      }
      await restoreThrottle().catch((err: unknown) => {
        failure ??= err;
      });
      if (failure !== undefined) throw failure;
      return { toolVersion: await cloneVersion(conn), lowerCaseTableNames: Number(setting?.value ?? 0) };
    });
  } catch (err) {
    throw cloneFailure(err, options.signal);
  }
  options.onProgress?.(treeBytes(dataDir));
  const recovered = await recoverClone(options.stagingDir, cloned.lowerCaseTableNames);
  return { toolVersion: cloned.toolVersion, payload: dataDir, ...recovered, ioPriority: 'in-server' };
}
