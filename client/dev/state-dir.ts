import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where `pitr dev` keeps the local stack's data, logs and pid files. */
export function devStateDir(): string {
  return process.env.PITR_STATE_DIR ?? join(homedir(), '.local', 'state', 'pitr', 'dev');
}

export const DEV_CATALOG_DATABASE = 'pitr';

/** The catalog database `pitr dev up` creates in the local PostgreSQL (`PITR_DEV_CATALOG_DB` overrides). */
export function devCatalogDatabase(): string {
  return process.env.PITR_DEV_CATALOG_DB || DEV_CATALOG_DATABASE;
}
