import { createReadStream, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { adminAccountSql, startDbInstance, stopDbInstance, type DbInstance, type DbInstanceSpec } from '../servers/db-instance';
import { resetBinlogStatement } from '../../domain/release-statements';
import { defaultServerBinaries, type ServerBinaries, serverProgram } from '../servers/server-binaries';
import { CLONE_DATA_DIR } from './clone-engine';
import { withDefaultsFile } from './defaults-file';
import { DUMP_FILE } from './dump-engine';
import { RestoredStateMismatchError, RestoreTargetInUseError } from './errors';
import { gtidStateVariable, readGtidState, sameGtidState, setGtidState } from './gtid-state';
import { PHYSICAL_BACKUP_DIR, physicalToolPath, type PhysicalEngine } from './physical-engine';
import { assertEngineName } from './run-backup';
import { connectionOf, withSql } from './sql-connection';
import { runTool } from './tool-process';
import { ENGINE_FLAVOR, type EngineCoordinate, type EngineName } from './types';

/** Where the restored server lives: a new, empty folder (see `startDbInstance`). */
export interface RestoreTarget {
  dir: string;
  port?: number;
  serverId?: number;
  extraArgs?: string[];
  /** The release to run the restored server on; default: the flavor's release in the toolchain. */
  server?: ServerBinaries;
}

export interface RestoreRequest {
  /** The folder `unpackPayload` wrote. Physical payloads are consumed (prepared and moved). */
  payloadDir: string;
  /** The backup's coordinate, from its manifest: the restored server's GTID state must equal it. */
  coordinate: EngineCoordinate;
  target: RestoreTarget;
  /**
   * The source's `lower_case_table_names`, from the manifest: the restored server runs with it (MySQL
   * starts a datadir with no other, and names are looked up as the source's applications wrote them).
   */
  lowerCaseTableNames?: number;
  /** The backup binary for xtrabackup restores (see `BackupOptions.toolPath`); mariadb-backup's is the restoring release's own. */
  toolPath?: string;
  signal?: AbortSignal;
}

/** `--prepare` applies the redo copied during the backup, making the files consistent; only then can they be moved into a datadir. */
async function preparedDataDir(engine: PhysicalEngine, request: RestoreRequest, server: ServerBinaries): Promise<string> {
  // mariadb-backup prepares only what its own release wrote: the restoring server's release is the backup's.
  const command = engine === 'mariadb-backup' ? serverProgram(server, 'backup') : physicalToolPath(engine, request.toolPath);
  const backupDir = join(request.payloadDir, PHYSICAL_BACKUP_DIR);
  const dataDir = join(request.payloadDir, 'prepared-datadir');
  await runTool({ tool: engine, argv: [command, '--no-defaults', '--prepare', `--target-dir=${backupDir}`], signal: request.signal });
  await runTool({
    tool: engine,
    argv: [command, '--no-defaults', '--move-back', `--target-dir=${backupDir}`, `--datadir=${dataDir}`],
    signal: request.signal,
  });
  return dataDir;
}

/**
 * Loads a dump in one client session. MySQL: the binlog and GTID state are reset first so
 * the dump's `SET @@GLOBAL.GTID_PURGED='+...'` leaves exactly its set (the dump turns
 * sql_log_bin off itself). MariaDB: the load is kept out of the binlog, whose GTID state is
 * set from the coordinate afterwards. The dump brings the source's accounts in: the same
 * session, still signed in, then puts the product's own account back.
 */
async function loadDump(server: ServerBinaries, instance: DbInstance, dumpFile: string, signal: AbortSignal | undefined): Promise<void> {
  const { flavor } = server;
  const tool = flavor === 'mysql' ? 'mysql' : 'mariadb';
  const command = serverProgram(server, 'client');
  const prologue = flavor === 'mysql' ? `${resetBinlogStatement(flavor, server.version)};\n` : 'SET SESSION sql_log_bin = 0;\n';
  async function* script(): AsyncGenerator<Buffer> {
    yield Buffer.from(prologue);
    yield* createReadStream(dumpFile);
    yield Buffer.from(`\n${adminAccountSql(instance.password)}FLUSH PRIVILEGES;\n`);
  }
  await withDefaultsFile(connectionOf(instance), (defaultsFile) =>
    runTool({
      tool,
      argv: [command, `--defaults-extra-file=${defaultsFile}`],
      stdin: Readable.from(script(), { objectMode: false }),
      signal,
    }),
  );
}

async function startRestored(
  engine: EngineName,
  request: RestoreRequest,
  spec: DbInstanceSpec & { server: ServerBinaries },
): Promise<DbInstance> {
  switch (engine) {
    case 'clone':
      return startDbInstance({ ...spec, seedDataDir: join(request.payloadDir, CLONE_DATA_DIR) });
    case 'mariadb-backup':
    case 'xtrabackup':
      return startDbInstance({ ...spec, seedDataDir: await preparedDataDir(engine, request, spec.server) });
    case 'mysqldump':
    case 'mariadb-dump':
      return startDbInstance(spec);
  }
}

/**
 * Brings a backup payload up as a new running server whose GTID state is the backup's
 * coordinate (checked before returning): clone starts the recovered datadir as it is;
 * mariadb-backup/xtrabackup prepare and move back, then set the GTID state (binlogs are not
 * in the backup); dumps load into a fresh server. A failed restore stops the server it started.
 */
export async function restoreBackup(engine: EngineName, request: RestoreRequest): Promise<DbInstance> {
  assertEngineName(engine);
  const flavor = ENGINE_FLAVOR[engine];
  const { dir } = request.target;
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new RestoreTargetInUseError(dir);
  const server = request.target.server ?? (await defaultServerBinaries(flavor));
  const spec = { flavor, ...request.target, server, lowerCaseTableNames: request.lowerCaseTableNames };
  const instance = await startRestored(engine, request, spec);
  try {
    if (engine === 'mysqldump' || engine === 'mariadb-dump') {
      await loadDump(server, instance, join(request.payloadDir, DUMP_FILE), request.signal);
    }
    await withSql(connectionOf(instance), async (conn) => {
      if (flavor === 'mariadb' || engine === 'xtrabackup') await setGtidState(conn, flavor, request.coordinate.gtidExecuted);
      const actual = await readGtidState(conn, flavor);
      if (!sameGtidState(flavor, actual, request.coordinate.gtidExecuted)) {
        throw new RestoredStateMismatchError(engine, gtidStateVariable(flavor), request.coordinate.gtidExecuted, actual);
      }
    });
    return instance;
  } catch (err) {
    await stopDbInstance(dir);
    throw err;
  }
}
