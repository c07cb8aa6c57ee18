import { Client } from 'pg';
import { PitrError } from '../domain/errors';

export class PostgresUnavailableError extends PitrError {
  constructor(url: string, cause: unknown) {
    super(`PostgreSQL at ${url} does not answer: ${cause instanceof Error ? cause.message : String(cause)}`, {
      hint: 'start it (on this machine: `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`) or set PITR_PG_ADMIN_URL',
      cause,
    });
  }
}

export function adminUrl(): string {
  return process.env.PITR_PG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
}

export function databaseUrl(database: string): string {
  const url = new URL(adminUrl());
  url.pathname = `/${database}`;
  return url.toString();
}

async function withAdmin<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const url = adminUrl();
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
  } catch (err) {
    throw new PostgresUnavailableError(url, err);
  }
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Creates the database when missing; returns its connection string. */
export async function ensureDatabase(database: string): Promise<string> {
  await withAdmin(async (client) => {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${quoteIdent(database)}`);
  });
  return databaseUrl(database);
}

export async function dropDatabase(database: string): Promise<void> {
  await withAdmin((client) => client.query(`DROP DATABASE IF EXISTS ${quoteIdent(database)} WITH (FORCE)`));
}

export async function postgresHealthy(connectionString: string): Promise<boolean> {
  const client = new Client({ connectionString, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A new database copied from `template` (which nobody may be connected to meanwhile); returns its connection string. */
export async function createDatabaseFrom(database: string, template: string): Promise<string> {
  await withAdmin((client) => client.query(`CREATE DATABASE ${quoteIdent(database)} TEMPLATE ${quoteIdent(template)}`));
  return databaseUrl(database);
}
