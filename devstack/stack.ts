import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { InvalidInputError, PitrError } from '../domain/errors';
import { type DevConfigFiles, writeDevConfigs } from './dev-config';
import { type DbInstance, dbPidFile, type Flavor, startDbInstance, stopDbInstance } from '../adapters/servers/db-instance';
import { minioLive, minioPidFile, type S3Endpoint, startMinio, stopMinio } from './minio-server';
import { dropDatabase, ensureDatabase, postgresHealthy } from './postgres';
import { freePort, runningPid, stopByPidFile } from '../adapters/servers/process';
import { startTemporalServer, stopTemporalServer, temporalHealthy, temporalPidFile, type TemporalServerInfo } from './temporal-server';

/**
 * The local stack's and the tests' source servers are configured the way operators configure
 * theirs: the clone plugin is loaded from the configuration (plugin-load-add in my.cnf), never
 * installed by the product.
 */
export const SOURCE_SERVER_ARGS: Readonly<Record<Flavor, readonly string[]>> = { mysql: ['--plugin-load-add=mysql_clone.so'], mariadb: [] };

/** Addresses of a running local stack: what `pitr dev up` prints and tests read. */
export interface StackInfo {
  stateDir: string;
  ports: StackPorts;
  temporal: TemporalServerInfo;
  s3: S3Endpoint;
  postgres: { connectionString: string; database: string };
  mysql: DbInstance;
  mariadb: DbInstance;
  /** Worker and agent configuration files for this stack (see `dev-config.ts`). */
  configs: DevConfigFiles;
}

export interface StackPorts {
  temporal: number;
  temporalUi: number | undefined;
  minio: number;
  minioConsole: number;
  mysql: number;
  mariadb: number;
}

export interface StackSpec {
  stateDir: string;
  ports: StackPorts;
  catalogDatabase: string;
  /** Keep Temporal history on disk (dev) or in memory (tests). */
  persistentTemporal: boolean;
}

export const DEV_PORTS: StackPorts = {
  temporal: 7233,
  temporalUi: 8233,
  minio: 9000,
  minioConsole: 9001,
  mysql: 33097,
  mariadb: 33110,
};

/** The local stack on `base`..`base`+5, in the order of `StackPorts`, with the Web UI. */
export function portsFromBase(base: number): StackPorts {
  if (!Number.isInteger(base) || base < 1024 || base > 65535 - 5) {
    throw new InvalidInputError(`port base ${base} is not a whole number from 1024 to 65530`, {
      hint: 'give a base such that the six ports base..base+5 are free, e.g. `pitr dev up --port-base 40000`',
    });
  }
  return {
    temporal: base,
    temporalUi: base + 1,
    minio: base + 2,
    minioConsole: base + 3,
    mysql: base + 4,
    mariadb: base + 5,
  };
}

export async function freeStackPorts(withUi: boolean): Promise<StackPorts> {
  return {
    temporal: await freePort(),
    temporalUi: withUi ? await freePort() : undefined,
    minio: await freePort(),
    minioConsole: await freePort(),
    mysql: await freePort(),
    mariadb: await freePort(),
  };
}

const STACK_FILE = 'stack.json';

export class StackNotRunningError extends PitrError {
  constructor(stateDir: string) {
    super(`no local stack has been started in ${stateDir}`, { hint: 'run `pitr dev up` first' });
  }
}

export class StackPortsChangedError extends PitrError {
  constructor(stateDir: string, running: StackPorts, asked: StackPorts) {
    super(`the local stack in ${stateDir} is running on ports ${JSON.stringify(running)}, not the ${JSON.stringify(asked)} asked for`, {
      hint: 'run `pitr dev down` first to move it to other ports, or leave out --port-base / PITR_DEV_PORT_BASE',
      exitCode: 2,
      terminal: true,
    });
  }
}

/** The pid file of each service process the stack runs. */
function servicePidFiles(stateDir: string): string[] {
  return [
    temporalPidFile(join(stateDir, 'temporal')),
    minioPidFile(join(stateDir, 'minio')),
    dbPidFile(join(stateDir, 'mysql')),
    dbPidFile(join(stateDir, 'mariadb')),
  ];
}

const samePorts = (a: StackPorts, b: StackPorts): boolean => (Object.keys(a) as Array<keyof StackPorts>).every((k) => a[k] === b[k]);

/**
 * Starts (or finds already running) every service of the local stack. When one cannot start,
 * the services this call started are stopped again and the first error is thrown, so a
 * failed `up` leaves nothing behind that no `stack.json` describes.
 */
export async function startStack(spec: StackSpec): Promise<StackInfo> {
  mkdirSync(spec.stateDir, { recursive: true });
  const pidFiles = servicePidFiles(spec.stateDir);
  const runningBefore = pidFiles.map(runningPid);
  const previous = previousPorts(spec.stateDir);
  if (previous && !samePorts(previous, spec.ports) && runningBefore.some((pid) => pid !== undefined)) {
    throw new StackPortsChangedError(spec.stateDir, previous, spec.ports);
  }
  const dir = (name: string): string => {
    const d = join(spec.stateDir, name);
    mkdirSync(d, { recursive: true });
    return d;
  };
  const settled = await Promise.allSettled([
    startTemporalServer({
      dir: dir('temporal'),
      port: spec.ports.temporal,
      ...(spec.ports.temporalUi === undefined ? {} : { uiPort: spec.ports.temporalUi }),
      persistent: spec.persistentTemporal,
    }),
    startMinio({
      dir: dir('minio'),
      port: spec.ports.minio,
      consolePort: spec.ports.minioConsole,
      bucket: 'pitr',
      accessKeyId: 'pitr-dev',
      secretAccessKey: 'pitr-dev-secret',
    }),
    ensureDatabase(spec.catalogDatabase),
    startDbInstance({ flavor: 'mysql', dir: dir('mysql'), port: spec.ports.mysql, serverId: 1, extraArgs: [...SOURCE_SERVER_ARGS.mysql] }),
    startDbInstance({
      flavor: 'mariadb',
      dir: dir('mariadb'),
      port: spec.ports.mariadb,
      serverId: 11,
      extraArgs: [...SOURCE_SERVER_ARGS.mariadb],
    }),
  ] as const);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.all(
      pidFiles.map((pidFile, i) => {
        const pid = runningPid(pidFile);
        return pid !== undefined && pid !== runningBefore[i] ? stopByPidFile(pidFile) : undefined;
      }),
    );
    throw failed.reason;
  }
  const [temporal, s3, connectionString, mysql, mariadb] = settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as [
    TemporalServerInfo,
    S3Endpoint,
    string,
    DbInstance,
    DbInstance,
  ];
  const services = {
    stateDir: spec.stateDir,
    ports: spec.ports,
    temporal,
    s3,
    postgres: { connectionString, database: spec.catalogDatabase },
    mysql,
    mariadb,
  };
  const info: StackInfo = { ...services, configs: writeDevConfigs(services) };
  writeFileSync(join(spec.stateDir, STACK_FILE), `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
  return info;
}

/** The ports a stack in `stateDir` used last time, so `up` after `down` finds it again. */
export function previousPorts(stateDir: string): StackPorts | undefined {
  return existsSync(join(stateDir, STACK_FILE)) ? readStackInfo(stateDir).ports : undefined;
}

export function readStackInfo(stateDir: string): StackInfo {
  const file = join(stateDir, STACK_FILE);
  if (!existsSync(file)) throw new StackNotRunningError(stateDir);
  return JSON.parse(readFileSync(file, 'utf8')) as StackInfo;
}

/** Stops exactly the processes this stack started (by their pid files); data stays. */
export async function stopStack(stateDir: string, options: { dropCatalog?: boolean } = {}): Promise<void> {
  const info = existsSync(join(stateDir, STACK_FILE)) ? readStackInfo(stateDir) : undefined;
  await Promise.all([
    stopTemporalServer(join(stateDir, 'temporal')),
    stopMinio(join(stateDir, 'minio')),
    stopDbInstance(join(stateDir, 'mysql')),
    stopDbInstance(join(stateDir, 'mariadb')),
  ]);
  if (options.dropCatalog && info) await dropDatabase(info.postgres.database);
}

export interface ServiceHealth {
  service: string;
  address: string;
  healthy: boolean;
}

async function dbHealthy(db: DbInstance): Promise<boolean> {
  const conn = await createConnection({ host: db.host, port: db.port, user: db.user, password: db.password, connectTimeout: 2000 });
  try {
    await conn.query('SELECT 1');
    return true;
  } finally {
    await conn.end();
  }
}

export async function stackHealth(stateDir: string): Promise<ServiceHealth[]> {
  const info = readStackInfo(stateDir);
  const check = async (service: string, address: string, probe: () => Promise<boolean>): Promise<ServiceHealth> => ({
    service,
    address,
    healthy: await probe().catch(() => false),
  });
  const db = (flavor: Flavor, i: DbInstance) => check(flavor, `${i.host}:${i.port}`, () => dbHealthy(i));
  return Promise.all([
    check('temporal', info.temporal.address, () => temporalHealthy(info.temporal.address)),
    ...(info.temporal.uiUrl
      ? [
          check(
            'temporal-ui',
            info.temporal.uiUrl,
            async () => (await fetch(info.temporal.uiUrl!, { signal: AbortSignal.timeout(2000) })).ok,
          ),
        ]
      : []),
    check('minio', info.s3.endpoint, () => minioLive(info.s3.endpoint)),
    check('postgres', info.postgres.connectionString, () => postgresHealthy(info.postgres.connectionString)),
    db('mysql', info.mysql),
    db('mariadb', info.mariadb),
  ]);
}
