import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createConnection, type Connection } from 'mysql2/promise';
import { startDbInstance, stopDbInstance, type DbInstance } from '../../adapters/servers/db-instance';
import { toolchain } from '../../adapters/servers/toolchain';

export const TABLES = 4;
const SEED_ROWS = 10_000;
const CLIENTS = 6;
const STATEMENTS_PER_TRANSACTION = 10;
const MAX_BINLOG_BYTES = 64 * 1024 * 1024;

/** A cached workload: the dump taken before it, and the binlogs it wrote, in sequence order. */
export interface RestoreWorkload {
  dumpFile: string;
  binlogFiles: string[];
}

const random = (below: number): number => Math.floor(Math.random() * below);

/** sysbench's `c` column: ten groups of eleven digits. */
function cValue(): string {
  return Array.from({ length: 10 }, () => String(random(1e11)).padStart(11, '0')).join('-');
}

function padValue(): string {
  return Array.from({ length: 5 }, () => String(random(1e11)).padStart(11, '0')).join('-');
}

/** One sysbench-like write transaction: point updates (indexed and not), a delete and its re-insert, and inserts. */
function writeTransaction(rowsPerTable: number): string {
  const table = (): string => `sbtest.sbtest${1 + random(TABLES)}`;
  const id = (): number => 1 + random(rowsPerTable);
  const statements: string[] = [];
  for (let i = 0; i < 4; i++) statements.push(`UPDATE ${table()} SET c = '${cValue()}' WHERE id = ${id()}`);
  for (let i = 0; i < 2; i++) statements.push(`UPDATE ${table()} SET k = k + 1 WHERE id = ${id()}`);
  const moved = table();
  const movedId = id();
  statements.push(`DELETE FROM ${moved} WHERE id = ${movedId}`);
  statements.push(`INSERT INTO ${moved} (id, k, c, pad) VALUES (${movedId}, ${random(rowsPerTable)}, '${cValue()}', '${padValue()}')`);
  while (statements.length < STATEMENTS_PER_TRANSACTION) {
    statements.push(`INSERT INTO ${table()} (k, c, pad) VALUES (${random(rowsPerTable)}, '${cValue()}', '${padValue()}')`);
  }
  return `BEGIN; ${statements.join('; ')}; COMMIT`;
}

async function binlogBytes(conn: Connection): Promise<number> {
  const [rows] = await conn.query('SHOW BINARY LOGS');
  return (rows as { File_size: number }[]).reduce((sum, row) => sum + Number(row.File_size), 0);
}

/** Commits write transactions until the binlogs hold `minBytes`, retrying the ones that meet a deadlock. */
async function writeUntil(server: DbInstance, minBytes: number): Promise<number> {
  const monitor = await createConnection({ socketPath: server.socket, user: server.user });
  const clients = await Promise.all(
    Array.from({ length: CLIENTS }, () => createConnection({ socketPath: server.socket, user: server.user, multipleStatements: true })),
  );
  let done = false;
  let committed = 0;
  const write = async (conn: Connection): Promise<void> => {
    while (!done) {
      try {
        await conn.query(writeTransaction(SEED_ROWS));
        committed += 1;
      } catch (err) {
        if (!/deadlock|lock wait/i.test((err as Error).message)) throw err;
        await conn.query('ROLLBACK');
      }
    }
  };
  try {
    const writers = clients.map(write);
    while (!done) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      done = (await binlogBytes(monitor)) >= minBytes;
    }
    await Promise.all(writers);
    return committed;
  } finally {
    await Promise.all([monitor, ...clients].map((c) => c.end()));
  }
}

async function seed(server: DbInstance): Promise<void> {
  const conn = await createConnection({ socketPath: server.socket, user: server.user });
  try {
    await conn.query('CREATE DATABASE sbtest');
    for (let t = 1; t <= TABLES; t++) {
      await conn.query(
        `CREATE TABLE sbtest.sbtest${t} (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, k INT NOT NULL DEFAULT 0, ` +
          "c CHAR(120) NOT NULL DEFAULT '', pad CHAR(60) NOT NULL DEFAULT '', KEY k_1 (k))",
      );
      for (let from = 0; from < SEED_ROWS; from += 1000) {
        const rows = Array.from({ length: 1000 }, () => `(${random(SEED_ROWS)}, '${cValue()}', '${padValue()}')`);
        await conn.query(`INSERT INTO sbtest.sbtest${t} (k, c, pad) VALUES ${rows.join(',')}`);
      }
    }
  } finally {
    await conn.end();
  }
}

function dump(server: DbInstance, file: string): void {
  const args = [
    '--no-defaults',
    '--user=root',
    `--socket=${server.socket}`,
    '--single-transaction',
    '--source-data=2',
    '--set-gtid-purged=ON',
    '--databases',
    'sbtest',
  ];
  const result = spawnSync(toolchain().mysqldump, args, { encoding: 'utf8', maxBuffer: 1024 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`mysqldump exited with ${result.status}: ${result.stderr}`);
  writeFileSync(file, result.stdout);
}

/**
 * The benchmark's workload, generated once into `dir`: a MySQL 9.7 source with four sysbench
 * tables, a dump of them, then at least `minBytes` of binlogs from concurrent clients each
 * committing ten-statement write transactions (so the binlogs carry parallelism to exploit).
 */
export async function cachedRestoreWorkload(dir: string, minBytes: number, log: (line: string) => void): Promise<RestoreWorkload> {
  const binlogDir = join(dir, 'binlogs');
  const dumpFile = join(dir, 'base.sql');
  const listFile = join(dir, 'binlogs.json');
  if (existsSync(listFile)) return { dumpFile, binlogFiles: JSON.parse(readFileSync(listFile, 'utf8')) as string[] };

  const serverDir = join(dir, 'source-server');
  rmSync(serverDir, { recursive: true, force: true });
  rmSync(binlogDir, { recursive: true, force: true });
  mkdirSync(binlogDir, { recursive: true });
  const started = Date.now();
  log(`generating >= ${(minBytes / 2 ** 20).toFixed(0)} MiB of binlogs with MySQL 9.7 into ${dir} ...`);
  const server = await startDbInstance({
    flavor: 'mysql',
    dir: serverDir,
    serverId: 1,
    extraArgs: [
      '--sync-binlog=0',
      '--innodb-flush-log-at-trx-commit=2',
      '--innodb-buffer-pool-size=256M',
      `--max-binlog-size=${MAX_BINLOG_BYTES}`,
    ],
  });
  try {
    await seed(server);
    dump(server, dumpFile);
    const committed = await writeUntil(server, minBytes);
    const control = await createConnection({ socketPath: server.socket, user: server.user });
    await control.query('FLUSH BINARY LOGS').finally(() => control.end());
    const names = readdirSync(server.binlogDir)
      .filter((name) => /^binlog\.\d+$/.test(name))
      .sort();
    const binlogFiles = names.map((name) => {
      copyFileSync(join(server.binlogDir, name), join(binlogDir, name));
      return join(binlogDir, name);
    });
    writeFileSync(`${listFile}.partial`, JSON.stringify(binlogFiles));
    renameSync(`${listFile}.partial`, listFile);
    log(`generated ${committed} transactions in ${((Date.now() - started) / 1000).toFixed(0)}s`);
    return { dumpFile, binlogFiles };
  } finally {
    await stopDbInstance(serverDir);
    rmSync(serverDir, { recursive: true, force: true });
  }
}
