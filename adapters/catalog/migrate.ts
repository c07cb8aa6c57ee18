import { join } from 'node:path';
import { PitrError } from '../../domain/errors';

export class CatalogMigrationError extends PitrError {}

/**
 * Applies every pending catalog migration (SQL files in `migrations/`, in order, in one
 * transaction, under node-pg-migrate's advisory lock so concurrent workers wait).
 * Returns the names of the migrations it applied.
 */
export async function migrateCatalog(connectionString: string): Promise<string[]> {
  // node-pg-migrate is ESM-only; this project compiles to CommonJS.
  const { runner } = await import('node-pg-migrate');
  try {
    const applied = await runner({
      databaseUrl: connectionString,
      dir: join(__dirname, 'migrations'),
      migrationsTable: 'pitr_migrations',
      direction: 'up',
      checkOrder: true,
      singleTransaction: true,
      advisoryLockMode: 'wait',
      log: () => undefined,
    });
    return applied.map((m) => m.name);
  } catch (err) {
    throw new CatalogMigrationError(`catalog migration failed: ${err instanceof Error ? err.message : String(err)}`, {
      hint: 'check that the catalog database is reachable and that its user may create tables and roles',
      cause: err,
    });
  }
}
