import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { cp } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { createConnection } from 'mysql2/promise';
import type { Flavor } from '../../domain/backup';
import { PitrError } from '../../domain/errors';
import { clientOptionFile } from '../engines/defaults-file';
import { freePort, PortInUseError, runningPid, spawnDaemon, stopByPidFile, tcpOpen, waitUntilReady } from './process';
import { defaultServerBinaries, type ServerBinaries, serverProgram } from './server-binaries';
import { toolchain } from './toolchain';

const run = promisify(execFile);

export type { Flavor };

/** How to reach a running database instance started by this module. */
export interface DbInstance {
  flavor: Flavor;
  host: string;
  port: number;
  socket: string;
  user: string;
  password: string;
  dir: string;
  dataDir: string;
  binlogDir: string;
  serverId: number;
  pid: number;
  /** A 0600 option file with the product's account, for `mysql --defaults-file=…` on this host. */
  optionFile: string;
}

export interface DbInstanceSpec {
  flavor: Flavor;
  /** Folder that holds this instance's datadir, binlogs, socket, pid and log. */
  dir: string;
  port?: number;
  serverId?: number;
  /** Extra server options, e.g. `--binlog-row-image=MINIMAL`. */
  extraArgs?: string[];
  /** A datadir to move in (a restored backup) instead of copying the template; used only when the instance has no datadir yet. */
  seedDataDir?: string;
  /** The release to run; default: the flavor's release in the toolchain. */
  server?: ServerBinaries;
  /**
   * `lower_case_table_names` (default: the server's, 0 on Linux). MySQL fixes it when a datadir is
   * initialised and refuses to start a datadir with another, so a new datadir is initialised with it.
   */
  lowerCaseTableNames?: number;
}

export class DbInitError extends PitrError {}

/** Unix socket paths are limited to 107 bytes; a deep instance folder gets its socket in the temp folder. */
function socketPath(dir: string): string {
  const inDir = join(dir, 'server.sock');
  if (Buffer.byteLength(inDir) <= 100) return inDir;
  return join(tmpdir(), `pitr-${createHash('sha256').update(resolve(dir)).digest('hex').slice(0, 16)}.sock`);
}

function layout(dir: string) {
  return {
    dataDir: join(dir, 'data'),
    binlogDir: join(dir, 'binlog'),
    tmpDir: join(dir, 'tmp'),
    socket: socketPath(dir),
    pidFile: join(dir, 'server.pid'),
    logFile: join(dir, 'server.log'),
    adminSecret: join(dir, 'admin.secret'),
    adminInitFile: join(dir, 'admin-init.sql'),
    optionFile: join(dir, 'client.cnf'),
  };
}

/**
 * The account the product uses on every server it starts. A datadir or dump restored from a
 * backup carries the source's accounts (a root with a password the product does not know), so
 * each start creates or resets this one from `--init-file`, outside the binlog, and the
 * source's accounts stay as they were for the people who connect afterwards.
 */
export const ADMIN_USER = 'pitr_admin';

/** Creates or resets the product's account with `password`; no GTID, no binlog event. */
export function adminAccountSql(password: string): string {
  const statements = ['SET SESSION sql_log_bin = 0;'];
  for (const host of ['localhost', '127.0.0.1']) {
    const account = `'${ADMIN_USER}'@'${host}'`;
    statements.push(
      `CREATE USER IF NOT EXISTS ${account} IDENTIFIED BY '${password}';`,
      `ALTER USER ${account} IDENTIFIED BY '${password}';`,
      `GRANT ALL PRIVILEGES ON *.* TO ${account} WITH GRANT OPTION;`,
    );
  }
  return `${statements.join('\n')}\n`;
}

/** Where the password of the product's account on the server in `dir` is kept (0600). */
export const adminSecretFile = (dir: string): string => layout(dir).adminSecret;

/** The password of the product's account on the server in `dir`, made once per folder, never passed on a command line. */
export function adminPassword(dir: string): string {
  const { adminSecret } = layout(dir);
  if (existsSync(adminSecret)) return readFileSync(adminSecret, 'utf8').trim();
  mkdirSync(dir, { recursive: true });
  const password = randomBytes(24).toString('base64url');
  writeFileSync(adminSecret, password, { mode: 0o600 });
  return password;
}

/**
 * An initialised, never-started datadir per release and initialisation setting, kept in the cache: copying it is far
 * cheaper than `mysqld --initialize` (seconds) for every test instance.
 */
function templateDataDir(server: ServerBinaries, initArgs: string[]): Promise<string> {
  const name = [`${server.flavor}-${server.release}`, ...initArgs.map((arg) => arg.replace(/^--/, ''))].join('-');
  const template = join(toolchain().cacheDir, 'templates', name);
  // Instances started together in one process share one build.
  let built = templates.get(template);
  if (built === undefined) {
    built = buildTemplate(server, template, initArgs);
    templates.set(template, built);
    built.catch(() => templates.delete(template));
  }
  return built;
}

const templates = new Map<string, Promise<string>>();

async function buildTemplate(server: ServerBinaries, template: string, initArgs: string[]): Promise<string> {
  const { flavor, basedir } = server;
  if (existsSync(join(template, '.complete'))) return template;
  // Other processes may build the same template at once: each in a folder of its own, the first whole one kept.
  const building = `${template}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  // Of its own: a starting server deletes every #sql file in its tmpdir, the temporary tables of any other server sharing it.
  mkdirSync(join(building, 'tmp'), { recursive: true });
  try {
    if (flavor === 'mysql') {
      await run(serverProgram(server, 'server'), [
        '--no-defaults',
        '--initialize-insecure',
        '--user=root',
        `--datadir=${building}/data`,
        `--tmpdir=${building}/tmp`,
        `--basedir=${basedir}`,
        `--lc-messages-dir=${basedir}/share/mysql`,
        ...initArgs,
      ]);
      // A copy must get its own server_uuid: MySQL writes a fresh one when auto.cnf is absent.
      rmSync(join(building, 'data', 'auto.cnf'), { force: true });
    } else {
      await run(serverProgram(server, 'installDb'), [
        '--no-defaults',
        `--basedir=${basedir}`,
        `--datadir=${building}/data`,
        `--tmpdir=${building}/tmp`,
        '--user=root',
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
        ...initArgs,
      ]);
    }
  } catch (err) {
    rmSync(building, { recursive: true, force: true });
    const e = err as { stderr?: string; message: string };
    throw new DbInitError(`initialising a ${flavor} datadir failed: ${e.stderr || e.message}`, {
      hint: 'check the toolchain with `bash scripts/install-toolchain.sh`',
    });
  }
  if (existsSync(join(template, '.complete'))) {
    rmSync(building, { recursive: true, force: true });
    return template;
  }
  rmSync(template, { recursive: true, force: true });
  renameSync(building, template);
  mkdirSync(join(template, '.complete'));
  return template;
}

/** Server options fixed when a datadir is initialised, which every start must repeat; the default (0) is the plain template's. */
function initialisedArgs(spec: DbInstanceSpec): string[] {
  return spec.lowerCaseTableNames ? [`--lower-case-table-names=${spec.lowerCaseTableNames}`] : [];
}

function serverArgs(server: ServerBinaries, spec: DbInstanceSpec, port: number, serverId: number): [string, string[]] {
  const l = layout(spec.dir);
  const common = [
    '--no-defaults',
    '--user=root',
    `--datadir=${l.dataDir}`,
    // Its own: a starting server deletes every #sql file in its tmpdir, which in a shared /tmp are
    // the temporary tables other servers are using (MariaDB was seen failing queries and crashing).
    `--tmpdir=${l.tmpDir}`,
    `--port=${port}`,
    '--bind-address=127.0.0.1',
    `--socket=${l.socket}`,
    `--pid-file=${join(spec.dir, 'mysqld.pidfile')}`,
    `--server-id=${serverId}`,
    `--log-bin=${join(l.binlogDir, 'binlog')}`,
    '--binlog-format=ROW',
    `--log-error=${l.logFile}`,
    `--init-file=${l.adminInitFile}`,
    `--basedir=${server.basedir}`,
    ...initialisedArgs(spec),
  ];
  const program = serverProgram(server, 'server');
  if (spec.flavor === 'mysql') {
    return [
      program,
      [
        ...common,
        `--lc-messages-dir=${server.basedir}/share/mysql`,
        `--plugin-dir=${server.basedir}/lib/mysql/plugin`,
        '--secure-file-priv=',
        '--mysqlx=OFF',
        '--gtid-mode=ON',
        '--enforce-gtid-consistency=ON',
        '--innodb-buffer-pool-size=64M',
        ...(spec.extraArgs ?? []),
      ],
    ];
  }
  return [program, [...common, '--gtid-strict-mode=ON', '--innodb-buffer-pool-size=64M', ...(spec.extraArgs ?? [])]];
}

/** Renames `from` to `to`, copying instead when they are on different filesystems. */
function moveDir(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    cpSync(from, to, { recursive: true });
    rmSync(from, { recursive: true, force: true });
  }
}

async function answersSql(port: number, socket: string, password: string): Promise<boolean> {
  if (!(await tcpOpen(port))) return false;
  const conn = await createConnection({ socketPath: socket, user: ADMIN_USER, password });
  try {
    await conn.query('SELECT 1');
    return true;
  } finally {
    await conn.end();
  }
}

/**
 * Starts a MySQL or MariaDB server of the spec's release with binlogs and GTIDs on, initialising the
 * datadir from the cached template the first time. Starting again finds the same data.
 */
export async function startDbInstance(spec: DbInstanceSpec): Promise<DbInstance> {
  const server = spec.server ?? (await defaultServerBinaries(spec.flavor));
  const l = layout(spec.dir);
  const port = spec.port ?? (await freePort());
  const serverId = spec.serverId ?? 1;
  mkdirSync(l.binlogDir, { recursive: true });
  mkdirSync(l.tmpDir, { recursive: true });
  if (!existsSync(l.dataDir) && spec.seedDataDir !== undefined) {
    moveDir(spec.seedDataDir, l.dataDir);
  } else if (!existsSync(l.dataDir)) {
    const template = await templateDataDir(server, initialisedArgs(spec));
    // Asynchronously, so the services starting beside this one keep their event loop; renamed
    // into place only when whole, so an interrupted copy is never started as a datadir.
    const copying = `${l.dataDir}.copying`;
    rmSync(copying, { recursive: true, force: true });
    await cp(join(template, 'data'), copying, { recursive: true });
    renameSync(copying, l.dataDir);
  }
  const password = adminPassword(spec.dir);
  if (runningPid(l.pidFile) === undefined) {
    if (await tcpOpen(port)) throw new PortInUseError(`${spec.flavor} (${spec.dir})`, port);
    writeFileSync(l.adminInitFile, adminAccountSql(password), { mode: 0o600 });
    writeFileSync(l.optionFile, clientOptionFile({ host: '127.0.0.1', port, user: ADMIN_USER, password, socket: l.socket }), {
      mode: 0o600,
    });
    const [command, args] = serverArgs(server, spec, port, serverId);
    const pid = spawnDaemon({ name: spec.flavor, command, args, logFile: l.logFile, pidFile: l.pidFile });
    await waitUntilReady(`${spec.flavor} server in ${spec.dir}`, pid, l.logFile, () => answersSql(port, l.socket, password), 90_000);
  }
  return {
    flavor: spec.flavor,
    host: '127.0.0.1',
    port,
    socket: l.socket,
    user: ADMIN_USER,
    password,
    dir: spec.dir,
    dataDir: l.dataDir,
    binlogDir: l.binlogDir,
    serverId,
    pid: runningPid(l.pidFile) ?? -1,
    optionFile: l.optionFile,
  };
}

export const dbPidFile = (dir: string): string => layout(dir).pidFile;
export const dbLogFile = (dir: string): string => layout(dir).logFile;

/** How a process on the same host signs in to a server this module started, from the address a restore reports. */
export function signInAt(address: { socket: string; user: string; optionFile?: string }): {
  socketPath: string;
  user: string;
  password: string;
} {
  return {
    socketPath: address.socket,
    user: address.user,
    password: address.optionFile === undefined ? '' : adminPassword(dirname(address.optionFile)),
  };
}

export async function stopDbInstance(dir: string): Promise<boolean> {
  return stopByPidFile(layout(dir).pidFile, 60_000);
}
