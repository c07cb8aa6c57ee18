import { type Connection, createConnection } from 'mysql2/promise';
import { PitrError } from '../../domain/errors';
import type { AgentConfig } from '../config/config';
import { resolveSecret, secretSource } from '../config/config';
import { driverTls } from './tls';

export class DatabaseUnavailableError extends PitrError {}

/** Errors from the server that go away by themselves (busy, restarting, lock waits). */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  // The socket file of a restarting server, gone until it is back.
  'ENOENT',
  'PROTOCOL_CONNECTION_LOST',
  'ER_CON_COUNT_ERROR',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_LOCK_DEADLOCK',
  'ER_SERVER_SHUTDOWN',
  'ER_QUERY_INTERRUPTED',
]);

export async function connectDatabase(db: AgentConfig['database']): Promise<Connection> {
  const password = resolveSecret(db.password);
  try {
    return await createConnection({
      host: db.host,
      port: db.port,
      user: db.user,
      password,
      connectTimeout: 10_000,
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: true,
      timezone: 'Z',
      ...(db.tls ? { ssl: driverTls({ flavor: db.flavor, ...db.tls }) } : {}),
    });
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    if (code === 'ER_ACCESS_DENIED_ERROR') {
      const from = secretSource(db.password, 'database.password');
      throw new DatabaseUnavailableError(
        `${db.flavor} at ${db.host}:${db.port} refused user '${db.user}' with the password from ${from}: ${(err as Error).message}`,
        {
          hint: `correct the password in ${from}, or database.user; or let '${db.user}' connect from this host on the server`,
          terminal: true,
          cause: err,
        },
      );
    }
    if (code === 'ER_SECURE_TRANSPORT_REQUIRED') {
      throw new DatabaseUnavailableError(`${db.flavor} at ${db.host}:${db.port} accepts only TLS connections: ${(err as Error).message}`, {
        hint: "set database.tls in the agent configuration, with caFile naming the CA that signed the server's certificate",
        terminal: true,
        cause: err,
      });
    }
    // mysql2's code for a TLS handshake that failed; Node's reason (a certificate that does not verify) is its message.
    if (code === 'HANDSHAKE_SSL_ERROR') {
      throw new DatabaseUnavailableError(
        `the TLS handshake with ${db.flavor} at ${db.host}:${db.port} failed, its certificate did not verify: ${(err as Error).message}`,
        {
          hint: "database.tls.caFile must name the CA that signed the server's certificate, and the certificate must name database.host (or set database.tls.verifyIdentity to false to check the CA alone)",
          terminal: true,
          cause: err,
        },
      );
    }
    throw new DatabaseUnavailableError(`cannot connect to ${db.flavor} at ${db.host}:${db.port}: ${(err as Error).message}`, {
      hint: TRANSIENT_CODES.has(code)
        ? 'the server is down or busy; the backup retries'
        : 'check the agent configuration’s database user and password',
      terminal: !TRANSIENT_CODES.has(code),
      cause: err,
    });
  }
}

export async function queryOne<T>(conn: Connection, sql: string, params: unknown[] = []): Promise<T> {
  const [rows] = await conn.query(sql, params);
  return (rows as T[])[0]!;
}

export async function withDatabase<T>(db: AgentConfig['database'], fn: (conn: Connection) => Promise<T>): Promise<T> {
  const conn = await connectDatabase(db);
  try {
    return await fn(conn);
  } finally {
    await conn.end().catch(() => undefined);
  }
}
