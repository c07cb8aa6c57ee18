import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoordinateMissingError } from './errors';
import type { EngineCoordinate } from './types';

/**
 * mariadb-backup 10.11 and Percona XtraBackup write `xtrabackup_binlog_info`; MariaDB 11.x
 * renamed it `mariadb_backup_binlog_info`. Read at the end of the copy, under the tool's
 * backup lock, so it is the backup's own consistent point.
 */
const BINLOG_INFO_FILES = ['mariadb_backup_binlog_info', 'xtrabackup_binlog_info'] as const;

/**
 * `file<TAB>position<TAB>gtid`; XtraBackup prints a MySQL GTID set over several lines
 * (`,\n` between sources), so everything after the position is the GTID text.
 */
export function parseBinlogInfo(text: string): { binlogFile: string; binlogPosition: number; gtid: string } | undefined {
  const match = /^\s*(\S+)\s+(\d+)([\s\S]*)$/.exec(text);
  if (!match) return undefined;
  return { binlogFile: match[1] as string, binlogPosition: Number(match[2]), gtid: (match[3] as string).replace(/\s+/g, '') };
}

export function readBinlogInfo(engine: string, backupDir: string): EngineCoordinate {
  const name = BINLOG_INFO_FILES.find((f) => existsSync(join(backupDir, f)));
  if (name === undefined) throw new CoordinateMissingError(engine, 'binlog info file', backupDir);
  const parsed = parseBinlogInfo(readFileSync(join(backupDir, name), 'utf8'));
  if (!parsed) throw new CoordinateMissingError(engine, 'binlog file and position', join(backupDir, name));
  return { gtidExecuted: parsed.gtid, binlogFile: parsed.binlogFile, binlogPosition: parsed.binlogPosition, source: name };
}
