import { type Connection, createConnection } from 'mysql2/promise';
import type { DbInstance } from '../../../adapters/servers/db-instance';

/** Commits one single-row transaction after another until stopped: writes that continue during a backup. */
export class ContinuousWriter {
  private stopped = false;
  private loop: Promise<number> | undefined;

  private constructor(private readonly conn: Connection) {}

  static async open(db: DbInstance): Promise<ContinuousWriter> {
    const conn = await createConnection({ host: db.host, port: db.port, user: db.user, password: db.password });
    await conn.query('CREATE DATABASE IF NOT EXISTS shop');
    await conn.query('CREATE TABLE IF NOT EXISTS shop.orders (id BIGINT AUTO_INCREMENT PRIMARY KEY, note VARCHAR(64)) ENGINE=InnoDB');
    return new ContinuousWriter(conn);
  }

  /** Transactions the server has executed so far (GTID count on MySQL, domain-0 seq on MariaDB). */
  async executedCount(flavor: DbInstance['flavor']): Promise<number> {
    const [rows] = await this.conn.query(
      flavor === 'mysql' ? 'SELECT @@global.gtid_executed AS g' : 'SELECT @@global.gtid_binlog_pos AS g',
    );
    return countOf(flavor, (rows as Array<{ g: string }>)[0]!.g);
  }

  start(): void {
    this.loop = (async () => {
      let n = 0;
      while (!this.stopped) {
        await this.conn.query('INSERT INTO shop.orders (note) VALUES (?)', [`order ${n}`]);
        n += 1;
      }
      return n;
    })();
  }

  async stop(): Promise<number> {
    this.stopped = true;
    const n = (await this.loop) ?? 0;
    await this.conn.end();
    return n;
  }
}

/** Transactions in a GTID text of a server that has only its own history (one source / one domain). */
export function countOf(flavor: DbInstance['flavor'], gtid: string): number {
  if (gtid.trim() === '') return 0;
  if (flavor === 'mysql') {
    return gtid
      .split(',')
      .flatMap((entry) => entry.trim().split(':').slice(1))
      .reduce((sum, interval) => {
        const [a, b] = interval.split('-').map(Number);
        return sum + ((b ?? a!) - a! + 1);
      }, 0);
  }
  return Number(gtid.split('-').pop());
}
