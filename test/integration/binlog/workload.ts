import type { Connection } from 'mysql2/promise';

/** Runs `statements` one by one on the connection. */
async function run(conn: Connection, statements: string[]): Promise<void> {
  for (const sql of statements) await conn.query(sql);
}

function rows(count: number, from: number): string {
  return Array.from({ length: count }, (_, i) => `(${(from + i) % 13}, ${from + i}, 'row ${from + i} ${'x'.repeat(60)}')`).join(',');
}

/**
 * A short, varied workload: DDL, autocommit and multi-statement transactions, a savepoint,
 * a rolled-back transaction, a non-transactional (MyISAM) table, an XA transaction, and a
 * 10,000-row transaction; MySQL adds a tagged GTID.
 */
export async function writeWorkload(conn: Connection, flavor: 'mysql' | 'mariadb', round: number): Promise<void> {
  const db = `binlog_it_${round}`;
  await run(conn, [
    `CREATE DATABASE ${db}`,
    `CREATE TABLE ${db}.entries (id INT AUTO_INCREMENT PRIMARY KEY, account INT NOT NULL, cents BIGINT NOT NULL, memo VARCHAR(200))`,
    `CREATE TABLE ${db}.notes (id INT PRIMARY KEY, note VARCHAR(40)) ENGINE=MyISAM`,
  ]);
  for (let i = 0; i < 10; i++) await conn.query(`INSERT INTO ${db}.entries (account, cents, memo) VALUES ${rows(1, i)}`);
  for (let i = 0; i < 5; i++) {
    await run(conn, [
      'BEGIN',
      `INSERT INTO ${db}.entries (account, cents, memo) VALUES ${rows(3, 100 + i * 3)}`,
      `UPDATE ${db}.entries SET cents = cents + 1 WHERE account = ${i}`,
      `DELETE FROM ${db}.entries WHERE id = ${i + 1}`,
      'COMMIT',
    ]);
  }
  await run(conn, [
    'BEGIN',
    `INSERT INTO ${db}.entries (account, cents, memo) VALUES ${rows(1, 500)}`,
    'SAVEPOINT before_mistake',
    `INSERT INTO ${db}.entries (account, cents, memo) VALUES ${rows(1, 501)}`,
    'ROLLBACK TO SAVEPOINT before_mistake',
    `INSERT INTO ${db}.entries (account, cents, memo) VALUES ${rows(1, 502)}`,
    'COMMIT',
    'BEGIN',
    `INSERT INTO ${db}.entries (account, cents, memo) VALUES ${rows(1, 600)}`,
    'ROLLBACK',
    `INSERT INTO ${db}.notes VALUES (1, 'not transactional')`,
    "XA START 'binlog-it'",
    `INSERT INTO ${db}.entries (account, cents, memo) VALUES ${rows(2, 700)}`,
    "XA END 'binlog-it'",
    "XA PREPARE 'binlog-it'",
    "XA COMMIT 'binlog-it'",
    'BEGIN',
    `INSERT INTO ${db}.entries (account, cents, memo) VALUES ${rows(10_000, 1000)}`,
    'COMMIT',
    `ALTER TABLE ${db}.entries ADD COLUMN note VARCHAR(20)`,
  ]);
  if (flavor === 'mysql') {
    await run(conn, [
      "SET gtid_next = 'AUTOMATIC:binlog_it'",
      `INSERT INTO ${db}.entries (account, cents, memo) VALUES ${rows(1, 900)}`,
      "SET gtid_next = 'AUTOMATIC'",
      'SET SESSION binlog_transaction_compression = ON',
      'BEGIN',
      `INSERT INTO ${db}.entries (account, cents, memo) VALUES ${rows(50, 950)}`,
      `UPDATE ${db}.entries SET cents = 0 WHERE account = 3`,
      'COMMIT',
      'SET SESSION binlog_transaction_compression = OFF',
    ]);
  }
}

/**
 * MariaDB only: three transactions in replication domain 1, then in domain 0 two written
 * under server id `@@server_id + 1` (as a promoted replica would) and one more by the server
 * itself, so the file holds two domains and the next Gtid list two server ids in domain 0.
 */
export async function writeOtherDomainAndServer(conn: Connection, round: number): Promise<void> {
  const table = `binlog_it_${round}.entries`;
  const insert = (at: number): string => `INSERT INTO ${table} (account, cents, memo) VALUES ${rows(1, at)}`;
  await run(conn, [
    'SET SESSION gtid_domain_id = 1',
    insert(800),
    insert(801),
    insert(802),
    'SET SESSION gtid_domain_id = 0',
    'SET SESSION server_id = @@GLOBAL.server_id + 1',
    insert(810),
    insert(811),
    'SET SESSION server_id = @@GLOBAL.server_id',
    insert(820),
  ]);
}
