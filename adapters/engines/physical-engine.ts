import { join } from 'node:path';
import { toolchain } from '../servers/toolchain';
import { readBinlogInfo } from './binlog-info';
import { datadirTables } from './datadir-tables';
import { withDefaultsFile } from './defaults-file';
import { treeBytes } from './staging';
import { lowPriority, runTool, toolVersion } from './tool-process';
import type { BackupOptions, EngineOutput } from './types';

export type PhysicalEngine = 'mariadb-backup' | 'xtrabackup';

/** The folder `--backup` writes under the staging folder; it is the payload. */
export const PHYSICAL_BACKUP_DIR = 'backup';

const PROGRESS_POLL_MS = 1000;

/**
 * Both tools share one command line. Percona XtraBackup cannot be installed on this
 * project's machines (no package in the reachable registries), so `xtrabackup` is only
 * exercised by pointing `toolPath` at mariadb-backup.
 */
export function physicalToolPath(engine: PhysicalEngine, toolPath: string | undefined): string {
  if (toolPath !== undefined) return toolPath;
  return engine === 'mariadb-backup' ? toolchain().mariadbBackup : '/usr/bin/xtrabackup';
}

export async function physicalBackup(engine: PhysicalEngine, options: BackupOptions): Promise<EngineOutput> {
  const command = physicalToolPath(engine, options.toolPath);
  const version = await toolVersion(engine, command);
  const backupDir = join(options.stagingDir, PHYSICAL_BACKUP_DIR);
  const args = [
    '--backup',
    `--target-dir=${backupDir}`,
    ...(options.throttle?.ioPerSecond ? [`--throttle=${options.throttle.ioPerSecond}`] : []),
    ...(options.throttle?.concurrency ? [`--parallel=${options.throttle.concurrency}`] : []),
  ];
  const reportProgress = (): void => options.onProgress?.(treeBytes(backupDir));
  const poll = setInterval(reportProgress, PROGRESS_POLL_MS);
  const ioPriority = await withDefaultsFile(options.db, async (defaultsFile) => {
    const { argv, ioPriority } = await lowPriority(command, [`--defaults-extra-file=${defaultsFile}`, ...args]);
    await runTool({ tool: engine, argv, signal: options.signal });
    return ioPriority;
  }).finally(() => clearInterval(poll));
  reportProgress();

  return {
    toolVersion: version,
    payload: backupDir,
    coordinate: readBinlogInfo(engine, backupDir),
    schemaTables: datadirTables(backupDir),
    ioPriority,
  };
}
