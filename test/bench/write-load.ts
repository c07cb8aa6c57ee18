import { randomBytes } from 'node:crypto';
import { createConnection } from 'mysql2/promise';
import type { DbInstance } from '../../adapters/servers/db-instance';

/** Now in µs on the wall clock the servers stamp with, from the monotonic clock. */
export const nowMicros = (): number => Number(process.hrtime.bigint() / 1000n) + clockOffsetMicros;
const clockOffsetMicros = Date.now() * 1000 - Number(process.hrtime.bigint() / 1000n);

export interface Load {
  transactions: number;
  /** MariaDB: when each GTID's INSERT returned, µs. */
  acknowledged: Map<string, number>;
}

/** `writers` connections inserting one row per transaction (autocommit) until `until`, counted into `load` as they go. */
export async function writeLoad(
  db: DbInstance,
  until: number,
  writers: number,
  load: Load = { transactions: 0, acknowledged: new Map() },
): Promise<Load> {
  const setup = await createConnection({ socketPath: db.socket, user: db.user, password: db.password });
  await setup.query('CREATE DATABASE IF NOT EXISTS bench');
  await setup.query('CREATE TABLE IF NOT EXISTS bench.orders (id BIGINT AUTO_INCREMENT PRIMARY KEY, note VARCHAR(200))');
  await setup.end();
  const writer = async (): Promise<void> => {
    const conn = await createConnection({ socketPath: db.socket, user: db.user, password: db.password, multipleStatements: true });
    try {
      while (Date.now() < until) {
        const note = randomBytes(60).toString('base64');
        if (db.flavor === 'mysql') {
          await conn.query('INSERT INTO bench.orders (note) VALUES (?)', [note]);
        } else {
          const [results] = await conn.query('INSERT INTO bench.orders (note) VALUES (?); SELECT @@last_gtid AS gtid', [note]);
          const gtid = (results as unknown as [unknown, Array<{ gtid: string }>])[1][0]!.gtid;
          load.acknowledged.set(gtid, nowMicros());
        }
        load.transactions++;
      }
    } finally {
      await conn.end();
    }
  };
  await Promise.all(Array.from({ length: writers }, writer));
  return load;
}
