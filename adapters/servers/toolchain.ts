import { existsSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, delimiter, join } from 'node:path';
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
  mariadbd: string;
  mariadb: string;
  mariadbDump: string;
  mariadbBinlog: string;
  mariadbBackup: string;
  zstd: string;
}

export class ToolchainMissingError extends PitrError {
  constructor(what: string, looked: string[]) {
    super(`${what} is not installed (looked for ${looked.join(', ')})`, {
      hint: 'install it on this host, or run `bash scripts/install-toolchain.sh` for the local stack (npm test and npm run demo run it for you)',
      terminal: true,
    });
  }
}

export function cacheDir(): string {
  return process.env.PITR_CACHE ?? join(homedir(), '.cache', 'pitr');
}

/** MariaDB installs `mysqld`, `mysqldump`, ... as links to its own tools: those are no MySQL tools. */
function isMariadbLink(path: string): boolean {
  return basename(realpathSync(path)).startsWith('mariadb');
}

function onPath(name: string): string | undefined {
  return (process.env.PATH ?? '')
    .split(delimiter)
    .map((dir) => join(dir, name))
    .find((candidate) => existsSync(candidate) && !(name.startsWith('mysql') && isMariadbLink(candidate)));
}

/**
 * Each tool from the cache that `scripts/install-toolchain.sh` fills (the local stack and
 * tests), else from PATH (a database host with its own packages). A tool is looked up
 * when it is used, so a host needs only the tools of its own engines.
 */
export function toolchain(): Toolchain {
  const cache = cacheDir();
  const mysqlDir = join(cache, 'mysql-9.7');
  const cached: Record<Exclude<keyof Toolchain, 'cacheDir'>, [string, string]> = {
    temporal: [join(cache, 'bin', 'temporal'), 'temporal'],
    minio: [join(cache, 'bin', 'minio'), 'minio'],
    mysqld: [join(mysqlDir, 'usr', 'sbin', 'mysqld'), 'mysqld'],
    mysql: [join(mysqlDir, 'usr', 'bin', 'mysql'), 'mysql'],
    mysqldump: [join(mysqlDir, 'usr', 'bin', 'mysqldump'), 'mysqldump'],
    mysqlbinlog: [join(mysqlDir, 'usr', 'bin', 'mysqlbinlog'), 'mysqlbinlog'],
    mariadbd: ['/usr/sbin/mariadbd', 'mariadbd'],
    mariadb: ['/usr/bin/mariadb', 'mariadb'],
    mariadbDump: ['/usr/bin/mariadb-dump', 'mariadb-dump'],
    mariadbBinlog: ['/usr/bin/mariadb-binlog', 'mariadb-binlog'],
    mariadbBackup: ['/usr/bin/mariadb-backup', 'mariadb-backup'],
    zstd: ['/usr/bin/zstd', 'zstd'],
  };
  const tools = { cacheDir: cache } as Toolchain;
  for (const [what, [path, fallback]] of Object.entries(cached)) {
    Object.defineProperty(tools, what, {
      enumerable: true,
      get: () => {
        if (existsSync(path)) return path;
        const found = fallback.startsWith('/') ? (existsSync(fallback) ? fallback : undefined) : onPath(fallback);
        if (!found) throw new ToolchainMissingError(what, [path, fallback]);
        return found;
      },
    });
  }
  return tools;
}
