import { createWriteStream } from 'node:fs';
import type { Connection } from 'mysql2/promise';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { toolchain } from '../servers/toolchain';
import { withDefaultsFile } from './defaults-file';
import { DumpLineScanner, DumpTap } from './dump-scanner';
import { CoordinateMissingError, EngineFailedError } from './errors';
import { throttledProgress } from './progress';
import { connectSql, sqlErrorText } from './sql-connection';
import { lowPriority, runTool, toolVersion } from './tool-process';
import type { BackupOptions, EngineOutput } from './types';

export const DUMP_FILE = 'dump.sql';

/**
 * mysqldump 9.7 with --single-transaction and --source-data takes FLUSH TABLES WITH READ LOCK,
 * starts the snapshot, reads @@GLOBAL.GTID_EXECUTED and SHOW BINARY LOG STATUS, then unlocks:
 * the GTID set and position it writes are the snapshot's. mariadb-dump 10.11 takes no lock:
 * it reads Binlog_snapshot_file/position of its consistent snapshot and BINLOG_GTID_POS() of it.
 * --flush-privileges makes the restored mysql.* grants take effect.
 */
const DUMPS = {
  mysql: {
    tool: 'mysqldump',
    args: [
      '--single-transaction',
      '--set-gtid-purged=ON',
      '--source-data=2',
      '--routines',
      '--events',
      '--triggers',
      '--all-databases',
      '--flush-privileges',
    ],
    source: 'mysqldump output: SET @@GLOBAL.GTID_PURGED and the CHANGE REPLICATION SOURCE TO comment',
  },
  mariadb: {
    tool: 'mariadb-dump',
    args: [
      '--single-transaction',
      '--master-data=2',
      '--gtid',
      '--routines',
      '--events',
      '--triggers',
      '--all-databases',
      '--flush-privileges',
    ],
    source: 'mariadb-dump output: the CHANGE MASTER TO and gtid_slave_pos comments',
  },
} as const;

/** How long taking the DDL hold may wait for a running DDL statement before the attempt gives up (transient: lock wait timeout). */
const DDL_HOLD_WAIT_SECONDS = 60;

const DDL_HOLD = {
  mysql: { take: ['LOCK INSTANCE FOR BACKUP'], release: 'UNLOCK INSTANCE' },
  mariadb: { take: ['BACKUP STAGE START', 'BACKUP STAGE BLOCK_DDL'], release: 'BACKUP STAGE END' },
} as const;

/**
 * Holds DDL off for the dump's duration from a session of its own, without blocking writes:
 * a table altered between the dump's snapshot and its read of that table fails the dump
 * (`Error in field count`, `Table definition has changed`). The application's DDL waits until
 * the dump ends.
 */
async function withDdlHeld<T>(flavor: 'mysql' | 'mariadb', options: BackupOptions, dump: () => Promise<T>): Promise<T> {
  const { take, release } = DDL_HOLD[flavor];
  let conn: Connection | undefined;
  try {
    conn = await connectSql(options.db);
    await conn.query(`SET SESSION lock_wait_timeout = ${DDL_HOLD_WAIT_SECONDS}`);
    for (const statement of take) await conn.query(statement);
  } catch (err) {
    await conn?.end().catch(() => undefined);
    throw new EngineFailedError(DUMPS[flavor].tool, null, `holding DDL off (${take.join('; ')}): ${sqlErrorText(err)}`);
  }
  try {
    return await dump();
  } finally {
    await conn.query(release).catch(() => undefined);
    await conn.end().catch(() => undefined);
  }
}

export async function dumpBackup(flavor: 'mysql' | 'mariadb', options: BackupOptions): Promise<EngineOutput> {
  const { tool, args, source } = DUMPS[flavor];
  const tools = toolchain();
  const command = options.toolPath ?? (flavor === 'mysql' ? tools.mysqldump : tools.mariadbDump);
  const version = await toolVersion(tool, command);
  const payload = join(options.stagingDir, DUMP_FILE);
  const scanner = new DumpLineScanner(flavor);
  const progress = throttledProgress(options.onProgress);
  const tap = new DumpTap(scanner, progress.report);

  const ioPriority = await withDdlHeld(flavor, options, () =>
    withDefaultsFile(options.db, async (defaultsFile) => {
      const { argv, ioPriority } = await lowPriority(command, [`--defaults-extra-file=${defaultsFile}`, ...args]);
      const written = pipeline(tap, createWriteStream(payload)).catch((err: Error) => {
        throw new EngineFailedError(tool, null, `writing ${payload} failed: ${err.message}`);
      });
      await Promise.all([runTool({ tool, argv, stdout: tap, signal: options.signal }), written]);
      return ioPriority;
    }),
  );
  progress.flush();

  const found = scanner.result();
  if (!found.completed) throw new EngineFailedError(tool, 0, `the dump in ${payload} has no "-- Dump completed" line`, false);
  if (found.gtid === undefined) throw new CoordinateMissingError(tool, 'GTID set', payload);
  if (found.binlogFile === undefined || found.binlogPosition === undefined) {
    throw new CoordinateMissingError(tool, 'binlog position', payload);
  }
  return {
    toolVersion: version,
    payload,
    coordinate: { gtidExecuted: found.gtid, binlogFile: found.binlogFile, binlogPosition: found.binlogPosition, source },
    schemaTables: found.tables,
    ioPriority,
  };
}
