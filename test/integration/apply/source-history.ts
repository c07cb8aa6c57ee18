import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Connection } from 'mysql2/promise';
import { readExecutedGtids } from '../../../adapters/apply/server-state';
import { connectionOf, connectSql } from '../../../adapters/engines/sql-connection';
import type { DbInstance, Flavor } from '../../../adapters/servers/db-instance';
import { toolchain } from '../../../adapters/servers/toolchain';
import { MariadbGtidPosition, MysqlGtidSet } from '../../../domain/gtid';
import { freshDbInstance } from '../../harness/instances';

/** One transaction committed on the source, and what the source looked like right after it. */
export interface SourceTransaction {
  gtid: string;
  /** The source's executed GTIDs right after the commit. */
  executedAfter: string;
  /** `fingerprint()` of the source right after the commit. */
  contentsAfter: string;
  /** Ordinal (1-based) of the binlog file it was written to. */
  file: number;
  /** A tagged GTID (MySQL) or one of domain 1 (MariaDB). */
  secondStream: boolean;
}

export interface SourceHistory {
  flavor: Flavor;
  /** The transactions committed after the base backup, in commit order. */
  afterBackup: SourceTransaction[];
  /** The source's executed GTIDs when the dump was taken: the backup coordinate. */
  coordinate: string;
  dumpFile: string;
  /** Copies of every binlog of the source, in sequence order. */
  binlogFiles: string[];
  /** The first ledger id a transaction after the backup inserted. */
  firstIdAfterBackup: number;
}

/** The bulk transaction inserts NUMBERS² rows. */
const NUMBERS = 200;

/** Everything a restore must reproduce: ledger rows, counters and the columns of the schema (so DDL shows). */
export async function fingerprint(conn: Connection): Promise<string> {
  const [rows] = await conn.query(
    `SELECT (SELECT COUNT(*) FROM app.ledger) AS ledger_rows,
            (SELECT COALESCE(SUM(CRC32(CONCAT_WS('|', id, seq, note))), 0) FROM app.ledger) AS ledger_hash,
            (SELECT COUNT(*) FROM app.counters) AS counter_rows,
            (SELECT COALESCE(SUM(CRC32(CONCAT_WS('|', name, n))), 0) FROM app.counters) AS counter_hash,
            (SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = 'app') AS app_columns`,
  );
  const row = (rows as Record<string, unknown>[])[0]!;
  return `ledger ${row.ledger_rows} rows #${row.ledger_hash}; counters ${row.counter_rows} rows #${row.counter_hash}; ${row.app_columns} columns`;
}

function clientArgs(instance: DbInstance): string[] {
  return ['--no-defaults', '--user=root', `--socket=${instance.socket}`];
}

function runClientTool(command: string, args: string[], input?: string): string {
  const result = spawnSync(command, args, { input, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${result.status}: ${result.stderr}`);
  return result.stdout;
}

/** Runs SQL text through the flavor's command-line client, as one session. */
export function runSqlScript(instance: DbInstance, sql: string): void {
  const tools = toolchain();
  runClientTool(instance.flavor === 'mysql' ? tools.mysql : tools.mariadb, clientArgs(instance), sql);
}

/**
 * Records, statement group by statement group, the GTID each one wrote and the source's
 * state after it, so a restore to any of those transactions has an exact expectation.
 */
class Recorder {
  readonly transactions: SourceTransaction[] = [];
  file = 1;
  private executed = '';

  constructor(
    private readonly flavor: Flavor,
    private readonly conn: Connection,
  ) {}

  async reset(): Promise<void> {
    this.transactions.length = 0;
    this.executed = await readExecutedGtids(this.conn, this.flavor);
  }

  /** Runs the statements (one transaction, or a statement that writes none) and records what it committed. */
  async commit(statements: string[], options: { secondStream?: boolean } = {}): Promise<void> {
    const second = options.secondStream === true;
    if (second) await this.conn.query(this.flavor === 'mysql' ? "SET gtid_next = 'AUTOMATIC:pitr'" : 'SET gtid_domain_id = 1');
    for (const statement of statements) await this.conn.query(statement);
    if (second) await this.conn.query(this.flavor === 'mysql' ? "SET gtid_next = 'AUTOMATIC'" : 'SET gtid_domain_id = 0');
    const executed = await readExecutedGtids(this.conn, this.flavor);
    const added =
      this.flavor === 'mysql'
        ? MysqlGtidSet.parse(executed).subtract(MysqlGtidSet.parse(this.executed)).toString()
        : MariadbGtidPosition.parse(executed).subtract(MariadbGtidPosition.parse(this.executed)).toString();
    this.executed = executed;
    if (added === '') return;
    if (added.includes(',') || /:\d+-\d+$/.test(added)) throw new Error(`one statement group committed several transactions: ${added}`);
    this.transactions.push({
      gtid: added,
      executedAfter: executed,
      contentsAfter: await fingerprint(this.conn),
      file: this.file,
      secondStream: second,
    });
  }

  async rotate(): Promise<void> {
    await this.conn.query('FLUSH BINARY LOGS');
    this.file += 1;
  }
}

/** Writes rows no other step touches, so the parallel applier may run steps side by side. */
function step(seq: number): string[] {
  return [
    'BEGIN',
    `INSERT INTO app.ledger (seq, note) VALUES (${seq}, 'a'), (${seq}, 'b')`,
    `INSERT INTO app.counters VALUES ('step-${seq}', ${seq})`,
    'COMMIT',
  ];
}

function dump(source: DbInstance, dumpFile: string): void {
  const tools = toolchain();
  const text =
    source.flavor === 'mysql'
      ? runClientTool(tools.mysqldump, [
          ...clientArgs(source),
          '--single-transaction',
          '--source-data=2',
          '--set-gtid-purged=ON',
          '--databases',
          'app',
        ])
      : runClientTool(tools.mariadbDump, [
          ...clientArgs(source),
          '--single-transaction',
          '--master-data=2',
          '--gtid',
          '--databases',
          'app',
        ]);
  writeFileSync(dumpFile, text);
}

async function copyBinlogs(conn: Connection, into: string): Promise<string[]> {
  const [basenameRows] = await conn.query('SELECT @@log_bin_basename AS base');
  const dir = dirname((basenameRows as { base: string }[])[0]!.base);
  const [logs] = await conn.query('SHOW BINARY LOGS');
  mkdirSync(into, { recursive: true });
  return (logs as { Log_name: string }[]).map(({ Log_name: name }) => {
    const copy = join(into, name);
    copyFileSync(join(dir, name), copy);
    return copy;
  });
}

/**
 * A source server with three binlog files of DDL, multi-statement transactions, a temporary
 * table filled in the first file and read in the second, a transaction of 40,000 rows, deletes
 * and updates, and transactions of a second GTID stream (MySQL tag, MariaDB domain); most
 * transactions are independent of each other. The base backup (a dump) is taken in the middle
 * of the first file.
 */
export async function recordSourceHistory(flavor: Flavor, workDir: string): Promise<SourceHistory> {
  const source = await freshDbInstance(flavor, { serverId: 1, extraArgs: ['--sync-binlog=0', '--innodb-flush-log-at-trx-commit=2'] });
  const conn = await connectSql(connectionOf(source));
  try {
    const numbers = Array.from({ length: NUMBERS }, (_, i) => `(${i + 1})`).join(',');
    await conn.query('CREATE DATABASE app');
    await conn.query('CREATE TABLE app.ledger (id INT AUTO_INCREMENT PRIMARY KEY, seq INT NOT NULL, note VARCHAR(64) NOT NULL)');
    await conn.query('CREATE TABLE app.counters (name VARCHAR(16) PRIMARY KEY, n INT NOT NULL)');
    await conn.query('CREATE TABLE app.numbers (n INT PRIMARY KEY)');
    await conn.query(`INSERT INTO app.numbers VALUES ${numbers}`);
    await conn.query("INSERT INTO app.counters VALUES ('last', 0)");
    const recorder = new Recorder(flavor, conn);
    await recorder.reset();
    for (let seq = 1; seq <= 6; seq++) await recorder.commit(step(seq));

    const dumpFile = join(workDir, `${flavor}-base.sql`);
    dump(source, dumpFile);
    const coordinate = await readExecutedGtids(conn, flavor);
    const [idRows] = await conn.query('SELECT MAX(id) + 1 AS next FROM app.ledger');
    const firstIdAfterBackup = Number((idRows as { next: number }[])[0]!.next);
    await recorder.reset();

    for (let seq = 7; seq <= 10; seq++) await recorder.commit(step(seq));
    await recorder.commit(['CREATE TEMPORARY TABLE app.staging (seq INT, note VARCHAR(64))']);
    await recorder.commit(["INSERT INTO app.staging VALUES (11, 'staged-1'), (11, 'staged-2')"]);
    await recorder.rotate();
    await recorder.commit(['BEGIN', 'INSERT INTO app.ledger (seq, note) SELECT seq, note FROM app.staging', 'COMMIT']);
    await recorder.commit(['DROP TEMPORARY TABLE app.staging']);
    await recorder.commit(['ALTER TABLE app.ledger ADD COLUMN extra INT NULL']);
    for (let seq = 12; seq <= 20; seq++) await recorder.commit(step(seq), { secondStream: seq % 3 === 0 });
    await recorder.commit([
      'BEGIN',
      `INSERT INTO app.ledger (seq, note) SELECT 21, CONCAT('bulk-', a.n, '-', b.n) FROM app.numbers a CROSS JOIN app.numbers b`,
      "UPDATE app.counters SET n = 21 WHERE name = 'last'",
      'COMMIT',
    ]);
    await recorder.commit([
      'BEGIN',
      "DELETE FROM app.ledger WHERE seq = 3 AND note = 'b'",
      "UPDATE app.ledger SET note = 'changed' WHERE seq = 4",
      'COMMIT',
    ]);
    for (let seq = 22; seq <= 24; seq++) await recorder.commit(step(seq));
    await recorder.rotate();
    await recorder.commit(['CREATE TABLE app.late (id INT PRIMARY KEY)']);
    for (let seq = 25; seq <= 30; seq++) await recorder.commit(step(seq), { secondStream: seq === 27 });

    const binlogFiles = await copyBinlogs(conn, join(workDir, `${flavor}-binlogs`));
    return { flavor, afterBackup: recorder.transactions, coordinate, dumpFile, binlogFiles, firstIdAfterBackup };
  } finally {
    await conn.end();
  }
}
