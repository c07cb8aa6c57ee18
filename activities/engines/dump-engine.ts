import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { toolchain } from '../local/toolchain';
import { withDefaultsFile } from './defaults-file';
import { DumpLineScanner, DumpTap } from './dump-scanner';
import { CoordinateMissingError, EngineFailedError } from './errors';
import { throttledProgress } from './progress';
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
    args: ['--single-transaction', '--set-gtid-purged=ON', '--source-data=2', '--routines', '--events', '--triggers', '--all-databases', '--flush-privileges'],
    source: 'mysqldump output: SET @@GLOBAL.GTID_PURGED and the CHANGE REPLICATION SOURCE TO comment',
  },
  mariadb: {
    tool: 'mariadb-dump',
    args: ['--single-transaction', '--master-data=2', '--gtid', '--routines', '--events', '--triggers', '--all-databases', '--flush-privileges'],
    source: 'mariadb-dump output: the CHANGE MASTER TO and gtid_slave_pos comments',
  },
} as const;

export async function dumpBackup(flavor: 'mysql' | 'mariadb', options: BackupOptions): Promise<EngineOutput> {
  const { tool, args, source } = DUMPS[flavor];
  const tools = toolchain();
  const command = flavor === 'mysql' ? tools.mysqldump : tools.mariadbDump;
  const version = await toolVersion(tool, command);
  const payload = join(options.stagingDir, DUMP_FILE);
  const scanner = new DumpLineScanner(flavor);
  const progress = throttledProgress(options.onProgress);
  const tap = new DumpTap(scanner, progress.report);

  const ioPriority = await withDefaultsFile(options.db, async (defaultsFile) => {
    const { argv, ioPriority } = await lowPriority(command, [`--defaults-extra-file=${defaultsFile}`, ...args]);
    const written = pipeline(tap, createWriteStream(payload)).catch((err: Error) => {
      throw new EngineFailedError(tool, null, `writing ${payload} failed: ${err.message}`);
    });
    await Promise.all([runTool({ tool, argv, stdout: tap, signal: options.signal }), written]);
    return ioPriority;
  });
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
