import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createConnection, type RowDataPacket } from 'mysql2/promise';
import { startDbInstance, stopDbInstance } from '../../adapters/servers/db-instance';

const SEED_ROWS = 2000;

/**
 * Writes one MySQL 9.7 binlog of at least `minBytes` from a mixed workload -- large
 * INSERT ... SELECT transactions, multi-statement update transactions, and small
 * autocommit inserts -- and copies it to `target`. Server-side INSERT ... SELECT keeps
 * generation fast: no row data crosses the client connection.
 */
export async function generateMysqlBinlog(target: string, minBytes: number, workDir: string): Promise<void> {
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  const server = await startDbInstance({ flavor: 'mysql', dir: workDir, serverId: 97, extraArgs: ['--max-binlog-size=1073741824'] });
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
      for (let round = 0; statSync(binlogPath).size < minBytes; round++) {
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
