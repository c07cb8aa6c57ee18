import type { Connection } from 'mysql2/promise';
import { readGtidState } from '../../adapters/engines/gtid-state';
import { connectionOf, withSql } from '../../adapters/engines/sql-connection';
import { userTables } from '../../adapters/engines/system-schemas';
import type { DbInstance } from '../../adapters/servers/db-instance';
import { sameHistory } from '../../domain/archive/history';
import type { RestorePlan } from '../../domain/restore/plan';
import { RestoreVerificationError } from './errors';
import type { RestoreVerification } from '../../domain/restore/workflow-types';

const quoted = (name: string) => `\`${name.replace(/`/g, '``')}\``;

function qualified(table: string): string {
  const dot = table.indexOf('.');
  return `${quoted(table.slice(0, dot))}.${quoted(table.slice(dot + 1))}`;
}

/** Every table of the user schemas, as `db.table`; views are left out (a dump restore does not recreate their definers). */
const tablesOf = (conn: Connection) => userTables(conn, ['BASE TABLE', 'SYSTEM VERSIONED']);

/** The table's row count, or the server's message when it does not open. */
async function rowsOf(conn: Connection, table: string): Promise<number | string> {
  try {
    const [rows] = await conn.query(`SELECT COUNT(*) AS n FROM ${qualified(table)}`);
    return Number((rows as Array<{ n: number | string }>)[0]!.n);
  } catch (err) {
    return (err as Error).message;
  }
}

async function openFailure(conn: Connection, table: string): Promise<string | null> {
  try {
    await conn.query(`SELECT 1 FROM ${qualified(table)} LIMIT 0`);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * Checks the base backup as restored, before any binlog is applied: every table of its signed
 * manifest exists and opens. This is the one moment the manifest's list is the truth; after the
 * apply, a table may be gone because a replayed DROP or RENAME removed it.
 */
export async function verifyRestoredBase(server: DbInstance, schemaTables: readonly string[]): Promise<void> {
  await withSql(connectionOf(server), async (conn) => {
    const present = new Set(await tablesOf(conn));
    const failures: string[] = [];
    for (const table of schemaTables) {
      if (!present.has(table)) {
        failures.push(`table ${table} of the manifest is missing from the restored base backup`);
        continue;
      }
      const failure = await openFailure(conn, table);
      if (failure !== null) failures.push(`table ${table} of the manifest does not open after the base restore: ${failure}`);
    }
    if (failures.length > 0) throw new RestoreVerificationError(failures);
  });
}

/**
 * Proves the restored server is what the plan promised, at the target: its GTID state equals
 * the plan's, and every table it holds opens and is read in full by a count. Tables of the
 * manifest that are gone were present after the base restore (see `verifyRestoredBase`), so the
 * applied binlogs dropped or renamed them; they are reported, as are the tables created since.
 * Any failure fails the restore with all the evidence at once.
 */
export async function verifyRestoredServer(
  plan: RestorePlan,
  server: DbInstance,
  schemaTables: readonly string[],
): Promise<RestoreVerification> {
  return withSql(connectionOf(server), async (conn) => {
    const failures: string[] = [];
    const gtidExecuted = await readGtidState(conn, plan.flavor);
    if (!sameHistory(plan.flavor, gtidExecuted, plan.expectedGtids)) {
      failures.push(`GTID state is ${gtidExecuted || '(empty)'}, the plan expects ${plan.expectedGtids}`);
    }
    const tables = await tablesOf(conn);
    const rowCounts: Record<string, number> = {};
    for (const table of tables) {
      const rows = await rowsOf(conn, table);
      if (typeof rows === 'number') rowCounts[table] = rows;
      else failures.push(`table ${table} does not open at the target: ${rows}`);
    }
    if (failures.length > 0) throw new RestoreVerificationError(failures);
    const atTarget = new Set(tables);
    const inManifest = new Set(schemaTables);
    const manifestTablesGone = schemaTables.filter((t) => !atTarget.has(t));
    const tablesCreatedAfterBackup = tables.filter((t) => !inManifest.has(t));
    return {
      gtidExecuted,
      tablesChecked: tables.length,
      rowCounts,
      manifestTablesGone,
      tablesCreatedAfterBackup,
      checks: [
        `GTID state equals the plan's: ${plan.expectedGtids}`,
        `the ${schemaTables.length} tables of the manifest were present and opened after the base restore`,
        `the ${tables.length} tables at the target opened and were counted in full`,
        `${manifestTablesGone.length} tables of the manifest dropped or renamed by the applied binlogs; ${tablesCreatedAfterBackup.length} created by them`,
        "row counts are reported, not compared: nothing records a table's rows at the target instant",
      ],
    };
  });
}
