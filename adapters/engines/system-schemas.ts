import type { Connection } from 'mysql2/promise';

/** Schemas the server owns; `schemaTables` lists the others. */
export const SYSTEM_SCHEMAS: ReadonlySet<string> = new Set(['mysql', 'sys', 'performance_schema', 'information_schema']);

/** Tables of these types hold rows; views do not. */
export type TableType = 'BASE TABLE' | 'SYSTEM VERSIONED';

/** The server's schemas but the skipped ones (compared lowercased). */
export async function schemasExcept(conn: Connection, skipped: ReadonlySet<string>): Promise<string[]> {
  const [rows] = await conn.query('SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA ORDER BY name');
  return (rows as Array<{ name: string }>).map((r) => r.name).filter((name) => !skipped.has(name.toLowerCase()));
}

/**
 * Every table of the given types in the user schemas, as `db.table`, sorted. Looked up schema
 * by schema: one scan of all of information_schema.TABLES opens every view of every schema
 * too, the sys schema's among them, which read information_schema themselves; a lookup by
 * schema opens only that schema's tables.
 */
export async function userTables(conn: Connection, types: readonly TableType[] = ['BASE TABLE']): Promise<string[]> {
  const tables: string[] = [];
  for (const schema of await schemasExcept(conn, SYSTEM_SCHEMAS)) {
    const [rows] = await conn.query(
      'SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE IN (?)',
      [schema, types],
    );
    for (const { name } of rows as Array<{ name: string }>) tables.push(`${schema}.${name}`);
  }
  return tables.sort();
}
