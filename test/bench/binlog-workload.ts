import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type Connection, createConnection, type RowDataPacket } from 'mysql2/promise';
import { startDbInstance, stopDbInstance } from '../../adapters/servers/db-instance';

const SEED_ROWS = 2000;
/** Transactions sent per round trip in the OLTP workload (each still commits on its own). */
const OLTP_TRANSACTIONS_PER_QUERY = 200;
/** The OLTP workload's autocommit inserts take ids from here, clear of the ids its transactions delete and insert. */
const SINGLES_FROM_ID = 1_000_000_000_000;

/**
 * `mixed`: large INSERT ... SELECT transactions (row events of ~8 KiB), multi-statement
 * update transactions and small autocommit inserts. `oltp`: sysbench write-only-shaped
 * transactions -- two point updates, a delete and an insert, each a row event of a few
 * hundred bytes -- and autocommit single-row inserts.
 */
export type BinlogWorkload = 'mixed' | 'oltp';

async function mixedRound(conn: Connection, round: number): Promise<void> {
  await conn.query(
    `INSERT INTO bench.entries (account, cents, memo) SELECT (account + ${round}) % 97, cents + ${round}, memo FROM bench.entries ORDER BY id DESC LIMIT ${SEED_ROWS}`,
  );
  const from = (round * 311) % (SEED_ROWS * 10);
  await conn.query(
    `BEGIN; UPDATE bench.entries SET cents = cents + 1 WHERE id BETWEEN ${from} AND ${from + 400}; ` +
      `INSERT INTO bench.entries (account, cents, memo) VALUES (${round % 97}, ${round}, 'transfer ${round}'); COMMIT`,
  );
  for (let i = 0; i < 20; i++) {
    await conn.query(`INSERT INTO bench.entries (account, cents, memo) VALUES (${i}, ${round * 20 + i}, 'small ${round}.${i}')`);
  }
}

async function oltpRound(conn: Connection, round: number): Promise<void> {
  const statements: string[] = [];
  for (let i = 0; i < OLTP_TRANSACTIONS_PER_QUERY; i++) {
    const n = round * OLTP_TRANSACTIONS_PER_QUERY + i;
    const id = ((n * 7919) % SEED_ROWS) + 1;
    if (i % 4 === 3) {
      statements.push(
        `INSERT INTO bench.entries (id, account, cents, memo) VALUES (${SINGLES_FROM_ID + n}, ${n % 97}, ${n}, 'single ${n}')`,
      );
      continue;
    }
    statements.push(
      `BEGIN; UPDATE bench.entries SET cents = cents + 1 WHERE id = ${id}; ` +
        `UPDATE bench.entries SET memo = 'moved ${n}' WHERE id = ${((id + 17) % SEED_ROWS) + 1}; ` +
        `DELETE FROM bench.entries WHERE id = ${SEED_ROWS + n}; ` +
        `INSERT INTO bench.entries (id, account, cents, memo) VALUES (${SEED_ROWS + n + 1}, ${n % 97}, ${n}, 'oltp ${n}'); COMMIT`,
    );
  }
  await conn.query(statements.join('; '));
}

/**
 * Writes one MySQL 9.7 binlog of at least `minBytes` from `workload` and copies it to
 * `target`. Server-side statements keep generation fast: no row data crosses the client
 * connection, and the OLTP workload sends its transactions in batches (without a sync per
 * commit: the bytes of the binlog are the same).
 */
export async function generateMysqlBinlog(target: string, minBytes: number, workDir: string, workload: BinlogWorkload): Promise<void> {
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  const server = await startDbInstance({
    flavor: 'mysql',
    dir: workDir,
    serverId: 97,
    extraArgs: ['--max-binlog-size=1073741824', '--sync-binlog=0', '--innodb-flush-log-at-trx-commit=0'],
  });
  try {
    const conn = await createConnection({
      host: server.host,
      port: server.port,
      user: server.user,
      password: server.password,
      multipleStatements: true,
    });
    try {
      await conn.query('CREATE DATABASE bench');
      await conn.query(
        'CREATE TABLE bench.entries (id BIGINT AUTO_INCREMENT PRIMARY KEY, account INT NOT NULL, cents BIGINT NOT NULL, memo VARCHAR(160) NOT NULL, at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6))',
      );
      const seed = Array.from({ length: SEED_ROWS }, (_, i) => `(${i % 97}, ${i * 37}, '${`memo ${i} `.padEnd(120, 'x')}')`);
      await conn.query(`INSERT INTO bench.entries (account, cents, memo) VALUES ${seed.join(',')}`);
      const [[first]] = await conn.query<RowDataPacket[]>('SHOW BINARY LOG STATUS');
      const file = String(first?.File);
      const binlogPath = join(server.binlogDir, file);
      const round = workload === 'mixed' ? mixedRound : oltpRound;
      for (let n = 0; statSync(binlogPath).size < minBytes; n++) await round(conn, n);
      await conn.query('FLUSH BINARY LOGS');
      const partial = `${target}.partial`;
      copyFileSync(binlogPath, partial);
      renameSync(partial, target);
    } finally {
      await conn.end();
    }
  } finally {
    await stopDbInstance(workDir);
    if (existsSync(target)) rmSync(workDir, { recursive: true, force: true });
  }
}
