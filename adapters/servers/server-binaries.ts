import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { Flavor } from '../../domain/backup';
import { PitrError } from '../../domain/errors';
import { majorMinor } from '../../domain/restore/release';
import { cacheDir, toolchain } from './toolchain';

const run = promisify(execFile);

/** One installed server release: its programs live under `basedir` as a package lays them out (`sbin/`, `bin/`). */
export interface ServerBinaries {
  flavor: Flavor;
  /** major.minor, e.g. `9.7`, `11.8`. */
  release: string;
  /** What the server program reports, e.g. `11.8.9-MariaDB-4`. */
  version: string;
  /** The server's `--basedir`: `/usr` for a distribution's packages. */
  basedir: string;
}

export type ServerProgram = 'server' | 'client' | 'dump' | 'binlog' | 'backup' | 'installDb';

const PROGRAMS: Record<Flavor, Partial<Record<ServerProgram, string>>> = {
  mysql: { server: 'sbin/mysqld', client: 'bin/mysql', dump: 'bin/mysqldump', binlog: 'bin/mysqlbinlog' },
  mariadb: {
    server: 'sbin/mariadbd',
    client: 'bin/mariadb',
    dump: 'bin/mariadb-dump',
    binlog: 'bin/mariadb-binlog',
    backup: 'bin/mariadb-backup',
    installDb: 'bin/mariadb-install-db',
  },
};

export class ServerBinariesError extends PitrError {}

/**
 * The path of one program of the release; a release without it (MySQL has no mariadb-backup) is
 * an error naming it. Packages put the server in sbin/, the vendors' tarballs in bin/.
 */
export function serverProgram(server: Pick<ServerBinaries, 'flavor' | 'basedir' | 'release'>, program: ServerProgram): string {
  const relative = PROGRAMS[server.flavor][program];
  if (relative === undefined) {
    throw new ServerBinariesError(`${server.flavor} has no ${program} program`, { hint: 'this is a bug in pitr', terminal: true });
  }
  const packaged = join(server.basedir, relative);
  const inTarball = join(server.basedir, relative.replace(/^sbin\//, 'bin/'));
  return !existsSync(packaged) && existsSync(inTarball) ? inTarball : packaged;
}

const versions = new Map<string, Promise<string>>();

async function reportedVersion(flavor: Flavor, basedir: string): Promise<string> {
  const server = serverProgram({ flavor, basedir, release: '' }, 'server');
  if (!existsSync(server)) {
    throw new ServerBinariesError(`there is no ${flavor} server program at ${server}`, {
      hint: `set the basedir of the ${flavor} release to the folder whose sbin/ or bin/ holds its server (/usr for a distribution's packages)`,
      terminal: true,
    });
  }
  const { stdout } = await run(server, ['--version']);
  const version = /Ver\s+(\S+)/.exec(stdout)?.[1];
  if (version === undefined || majorMinor(version) === null) {
    throw new ServerBinariesError(`${server} --version reports no release: ${stdout.trim()}`, {
      hint: `check that ${server} is a ${flavor} server`,
      terminal: true,
    });
  }
  return version;
}

/** The release installed under `basedir`, as its server program reports it (asked once per folder). */
export async function serverBinariesAt(flavor: Flavor, basedir: string): Promise<ServerBinaries> {
  const key = `${flavor}\0${basedir}`;
  let version = versions.get(key);
  if (version === undefined) {
    version = reportedVersion(flavor, basedir);
    versions.set(key, version);
    version.catch(() => versions.delete(key));
  }
  const reported = await version;
  return { flavor, release: majorMinor(reported)!, version: reported, basedir };
}

/** A release a restore host is told to run: the release it must report, and where it is installed. */
export interface DeclaredServer {
  flavor: Flavor;
  release: string;
  basedir: string;
}

/** The declared release, refused unless its server program reports that release. */
export async function declaredServer(declared: DeclaredServer): Promise<ServerBinaries> {
  const found = await serverBinariesAt(declared.flavor, declared.basedir);
  if (found.release !== declared.release) {
    throw new ServerBinariesError(
      `the ${declared.flavor} server under ${declared.basedir} is ${found.version}, not the declared release ${declared.release}`,
      { hint: `set release to ${found.release} for that basedir, or point basedir at a ${declared.release} installation`, terminal: true },
    );
  }
  return found;
}

/** The flavor's release this host runs when nothing names one: the toolchain's (the local stack's, else PATH's). */
export function defaultServerBinaries(flavor: Flavor): Promise<ServerBinaries> {
  const tools = toolchain();
  // The server lies in the basedir's sbin/, wherever the toolchain found it.
  return serverBinariesAt(flavor, dirname(dirname(flavor === 'mysql' ? tools.mysqld : tools.mariadbd)));
}

/** The releases `scripts/install-toolchain.sh` unpacks into the cache beside the default ones. */
export function cachedServerBasedir(flavor: Flavor, release: string): string {
  return join(cacheDir(), `${flavor}-${release}`, 'usr');
}
