import { createConnection, type Connection } from 'mysql2/promise';
import { type AgentConfig, resolveSecret } from '../config/config';
import type { DbInstance } from '../servers/db-instance';
import { driverTls } from '../db/tls';
import type { DbConnection } from './types';

/** How the backup tools reach the agent's source, its password resolved. */
export function agentConnection(database: AgentConfig['database']): DbConnection {
  return {
    host: database.host,
    port: database.port,
    user: database.user,
    password: resolveSecret(database.password),
    ...(database.socket ? { socket: database.socket } : {}),
    ...(database.tls ? { tls: { flavor: database.flavor, ...database.tls } } : {}),
  };
}

export function connectionOf(instance: DbInstance): DbConnection {
  return { host: instance.host, port: instance.port, user: instance.user, password: instance.password, socket: instance.socket };
}

export function connectSql(db: DbConnection): Promise<Connection> {
  return createConnection(
    db.socket
      ? { socketPath: db.socket, user: db.user, password: db.password }
      : { host: db.host, port: db.port, user: db.user, password: db.password, ...(db.tls ? { ssl: driverTls(db.tls) } : {}) },
  );
}

/** Runs `use` on a fresh connection that is closed afterwards. */
export async function withSql<T>(db: DbConnection, use: (conn: Connection) => Promise<T>): Promise<T> {
  const conn = await connectSql(db);
  try {
    return await use(conn);
  } finally {
    await conn.end().catch(() => undefined);
  }
}

/** A server or driver error in one line: the server's code and message, else the driver's message. */
export function sqlErrorText(err: unknown): string {
  const e = err as { code?: string; sqlMessage?: string; message: string };
  return e.code ? `${e.code}: ${e.sqlMessage ?? e.message}` : e.message;
}

/** First row of a query's result. */
export async function firstRow<T>(conn: Connection, sql: string, values: unknown[] = []): Promise<T | undefined> {
  const [rows] = await conn.query(sql, values);
  return (rows as T[])[0];
}
