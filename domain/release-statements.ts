import type { Flavor } from './backup';
import { majorMinor } from './restore/release';

/** MySQL 8.2 renamed the binlog statements, and 8.4 removed the old names: the release decides the spelling. */
function mysqlRenamedBinlogStatements(version: string): boolean {
  const [major, minor] = (majorMinor(version) ?? '0.0').split('.').map(Number) as [number, number];
  return major > 8 || (major === 8 && minor >= 2);
}

/** The binlog file and position the server writes now, as the server of `version` spells it. */
export function binlogStatusStatement(flavor: Flavor, version: string): string {
  if (flavor === 'mariadb') return 'SHOW BINLOG STATUS';
  return mysqlRenamedBinlogStatements(version) ? 'SHOW BINARY LOG STATUS' : 'SHOW MASTER STATUS';
}

/** Empties the binlog and the GTID state, as the server of `version` spells it. */
export function resetBinlogStatement(flavor: Flavor, version: string): string {
  if (flavor === 'mariadb') return 'RESET MASTER';
  return mysqlRenamedBinlogStatements(version) ? 'RESET BINARY LOGS AND GTIDS' : 'RESET MASTER';
}
