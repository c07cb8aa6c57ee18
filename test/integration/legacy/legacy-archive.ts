import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { compress } from 'zstd-napi';
import type { Connection } from 'mysql2/promise';
import { toolchain } from '../../../adapters/servers/toolchain';
import type { DbInstance, Flavor } from '../../../adapters/servers/db-instance';
import type { ObjectStore } from '../../../adapters/storage/object-store';
import { testStack } from '../../harness/env';
import { binlogNames } from '../archive/archive-harness';

const run = promisify(execFile);
const cli = resolve(__dirname, '../../../client/cli.js');

/** `pitr <args> --json` against the test stack; a failing exit is returned, not thrown. */
export async function pitr<T>(...args: string[]): Promise<{ code: number; json: T | undefined; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args, '--json', '--config', testStack().configs.central]);
    return { code: 0, json: JSON.parse(stdout) as T, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, json: e.stdout ? (JSON.parse(e.stdout) as T) : undefined, stderr: e.stderr };
  }
}

const DUMP_ARGS: Record<Flavor, string[]> = {
  mysql: ['--single-transaction', '--source-data=2', '--set-gtid-purged=ON'],
  mariadb: ['--single-transaction', '--master-data=2', '--gtid'],
};

/** mysqldump 9.7 (or mariadb-dump) as an older system ran it, its output collected for one plain S3 put. */
export async function dumpOf(db: DbInstance): Promise<Buffer> {
  const tools = toolchain();
  const child = spawn(
    db.flavor === 'mysql' ? tools.mysqldump : tools.mariadbDump,
    [
      '--no-defaults',
      `--socket=${db.socket}`,
      `--user=${db.user}`,
      ...(db.password ? [`--password=${db.password}`] : []),
      ...DUMP_ARGS[db.flavor],
      '--all-databases',
      '--routines',
      '--events',
      '--triggers',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  try {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const code = await new Promise<number | null>((done, fail) => child.once('error', fail).once('close', done));
    if (code !== 0) throw new Error(`the dump tool exited ${code}: ${Buffer.concat(err).toString()}`);
    return Buffer.concat(out);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

export type Packing = 'plain' | 'gzip' | 'zstd';

/** Every closed binlog of the server put as it lies on disk (some compressed), under `<prefix>binlogs/`. */
export async function putClosedBinlogs(
  conn: Connection,
  db: DbInstance,
  store: ObjectStore,
  prefix: string,
  packing: (name: string) => Packing,
): Promise<Map<string, string>> {
  const names = (await binlogNames(conn)).slice(0, -1);
  const keys = new Map<string, string>();
  for (const name of names) {
    const bytes = readFileSync(join(db.binlogDir, name));
    const how = packing(name);
    const key = `${prefix}binlogs/${name}${how === 'gzip' ? '.gz' : how === 'zstd' ? '.zst' : ''}`;
    await store.put(key, how === 'gzip' ? gzipSync(bytes) : how === 'zstd' ? compress(bytes) : bytes);
    keys.set(name, key);
  }
  return keys;
}
