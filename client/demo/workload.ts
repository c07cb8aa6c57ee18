import { type Connection, createConnection } from 'mysql2/promise';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DbInstance } from '../../adapters/servers/db-instance';

/**
 * Orders written one transaction at a time, with a quiet moment on request: an instant
 * that lies strictly between two known commits, so a restore to it has one right answer.
 */
export class OrderWorkload {
  private stopped = false;
  private loop: Promise<void> | undefined;
  private pauseRequested: ((marker: { instant: string; ordersBefore: number }) => void) | undefined;
  written = 0;

  private constructor(
    private readonly db: DbInstance,
    private readonly conn: Connection,
  ) {}

  static async open(db: DbInstance): Promise<OrderWorkload> {
    const conn = await createConnection({ host: db.host, port: db.port, user: db.user, password: db.password });
    await conn.query('CREATE DATABASE IF NOT EXISTS demo');
    await conn.query('DROP TABLE IF EXISTS demo.orders');
    await conn.query('CREATE TABLE demo.orders (id BIGINT PRIMARY KEY, note VARCHAR(64) NOT NULL)');
    return new OrderWorkload(db, conn);
  }

  start(): void {
    this.loop = (async () => {
      while (!this.stopped) {
        await this.conn.query('INSERT INTO demo.orders VALUES (?, ?)', [this.written + 1, `order ${this.written + 1}`]);
        this.written += 1;
        if (this.pauseRequested) {
          const resolve = this.pauseRequested;
          this.pauseRequested = undefined;
          const ordersBefore = this.written;
          await sleep(100);
          const instant = new Date().toISOString();
          await sleep(100);
          resolve({ instant, ordersBefore });
        }
      }
    })();
  }

  /** Waits 100 ms after the next commit, takes that instant, waits 100 ms more, and goes on. */
  markInstant(): Promise<{ instant: string; ordersBefore: number }> {
    return new Promise((resolve) => (this.pauseRequested = resolve));
  }

  async flushBinaryLogs(): Promise<void> {
    const admin = await createConnection({ host: this.db.host, port: this.db.port, user: this.db.user, password: this.db.password });
    await admin.query('FLUSH BINARY LOGS');
    await admin.end();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    await this.conn.end();
  }
}
