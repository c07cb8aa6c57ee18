import { setTimeout as sleep } from 'node:timers/promises';
import { type Connection, createConnection } from 'mysql2/promise';
import { signInAt, type DbInstance } from '../../../adapters/servers/db-instance';
import type { RestoreInstanceAddress } from '../../../domain/restore/workflow-types';

/**
 * A committed row of the oracle table: its id, the server's clock inside its transaction (before
 * its commit), when its INSERT had returned (after its commit; the same host's clock), and the
 * GTID state just after it.
 */
export interface CommittedRow {
  id: number;
  micros: number;
  returnedMicros: number;
  gtidAfter: string;
}

/** An instant surely after `before` committed and before `next` did: halfway from the one's return to the other's start. */
export function instantBetween(before: Pick<CommittedRow, 'id' | 'returnedMicros'>, next: Pick<CommittedRow, 'id' | 'micros'>): number {
  if (before.returnedMicros >= next.micros) throw new Error(`rows ${before.id} and ${next.id} overlap`);
  return Math.floor((before.returnedMicros + next.micros) / 2);
}

/** How the writer commits: a pause after each row; `insideSeconds` keeps every commit away from a second's edges. */
export interface WriterPace {
  intervalMs: number;
  insideSeconds?: boolean;
}

/**
 * Commits one single-row transaction at a time, each recording the server's clock in
 * microseconds (UNIX_TIMESTAMP of NOW(6), the same whatever the session time zone) and the
 * GTID state after it: the oracle a restore to an instant or GTID is compared with. With
 * `insideSeconds`, rows are written well inside a second so that the second a row records is
 * surely the second MariaDB's binlog stamps it with.
 */
export class OracleWriter {
  private stopped = false;
  private loop: Promise<void> | undefined;
  readonly rows: CommittedRow[] = [];

  private constructor(
    private readonly conn: Connection,
    private readonly flavor: DbInstance['flavor'],
  ) {}

  static async open(db: DbInstance): Promise<OracleWriter> {
    const conn = await createConnection({ socketPath: db.socket, user: db.user, password: db.password });
    await conn.query('CREATE DATABASE oracle');
    await conn.query('CREATE TABLE oracle.commits (id INT PRIMARY KEY, committed_us BIGINT NOT NULL) ENGINE=InnoDB');
    return new OracleWriter(conn, db.flavor);
  }

  start({ intervalMs, insideSeconds = false }: WriterPace): void {
    this.loop = (async () => {
      for (let id = 1; !this.stopped; id++) {
        if (insideSeconds) while (Date.now() % 1000 < 150 || Date.now() % 1000 > 850) await sleep(10);
        await this.conn.query('INSERT INTO oracle.commits VALUES (?, FLOOR(UNIX_TIMESTAMP(NOW(6)) * 1000000))', [id]);
        const returnedMicros = Date.now() * 1000 + 999;
        const [rows] = await this.conn.query(
          `SELECT committed_us, ${this.flavor === 'mysql' ? '@@GLOBAL.gtid_executed' : '@@GLOBAL.gtid_binlog_pos'} AS gtid FROM oracle.commits WHERE id = ?`,
          [id],
        );
        const row = (rows as Array<{ committed_us: string | number; gtid: string }>)[0]!;
        this.rows.push({ id, micros: Number(row.committed_us), returnedMicros, gtidAfter: row.gtid.replace(/\s+/g, '') });
        await sleep(intervalMs);
      }
    })();
  }

  async stop(): Promise<CommittedRow[]> {
    this.stopped = true;
    await this.loop;
    await this.conn.end();
    return this.rows;
  }
}

export async function restoredIds(instance: RestoreInstanceAddress): Promise<number[]> {
  const conn = await createConnection(signInAt(instance));
  try {
    const [rows] = await conn.query('SELECT id FROM oracle.commits ORDER BY id');
    return (rows as Array<{ id: number }>).map((r) => r.id);
  } finally {
    await conn.end();
  }
}
