import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { PitrError } from '../../domain/errors';

/** Where every external binary the product and its tests run lives. */
export interface Toolchain {
  cacheDir: string;
  temporal: string;
  minio: string;
  mysqld: string;
  mysql: string;
  mysqldump: string;
  mysqlbinlog: string;
  /** `usr/` of the unpacked MySQL tree: basedir, plugins and messages live under it. */
  mysqlUsr: string;
  mariadbd: string;
  mariadbInstallDb: string;
  mariadb: string;
  mariadbDump: string;
  mariadbBinlog: string;
  mariadbBackup: string;
  zstd: string;
}

export class ToolchainMissingError extends PitrError {
  constructor(what: string, path: string) {
    super(`${what} is not installed (looked for ${path})`, {
      hint: 'run `bash scripts/install-toolchain.sh` (npm test and npm run demo run it for you)',
    });
  }
}

export function cacheDir(): string {
  return process.env.PITR_CACHE ?? join(homedir(), '.cache', 'pitr');
}

export function toolchain(): Toolchain {
  const cache = cacheDir();
  const mysqlDir = join(cache, 'mysql-9.7');
  const tools: Toolchain = {
    cacheDir: cache,
    temporal: join(cache, 'bin', 'temporal'),
    minio: join(cache, 'bin', 'minio'),
    mysqld: join(mysqlDir, 'mysqld'),
    mysql: join(mysqlDir, 'mysql'),
    mysqldump: join(mysqlDir, 'mysqldump'),
    mysqlbinlog: join(mysqlDir, 'mysqlbinlog'),
    mysqlUsr: join(mysqlDir, 'root', 'usr'),
    mariadbd: '/usr/sbin/mariadbd',
    mariadbInstallDb: '/usr/bin/mariadb-install-db',
    mariadb: '/usr/bin/mariadb',
    mariadbDump: '/usr/bin/mariadb-dump',
    mariadbBinlog: '/usr/bin/mariadb-binlog',
    mariadbBackup: '/usr/bin/mariadb-backup',
    zstd: '/usr/bin/zstd',
  };
  for (const [what, path] of Object.entries(tools)) {
    if (what !== 'cacheDir' && !existsSync(path)) throw new ToolchainMissingError(what, path);
  }
  return tools;
}
