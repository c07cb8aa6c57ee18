import type { Connection } from 'mysql2/promise';
import { readGtidState } from '../engines/gtid-state';
import { connectionOf, withSql } from '../engines/sql-connection';
import type { DbInstance } from '../local/db-instance';
import { sameHistory } from '../../domain/archive/history';
import type { RestorePlan } from '../../domain/restore/plan';
import { RestoreVerificationError } from './errors';
import type { VerificationReport } from './types';

const quoted = (name: string) => `\`${name.replace(/`/g, '``')}\``;

async function rowsOf(conn: Connection, table: string): Promise<number | string> {
  const [db, name] = table.split('.') as [string, string];
  try {
    const [rows] = await conn.query(`SELECT COUNT(*) AS n FROM ${quoted(db)}.${quoted(name)}`);
    return Number((rows as Array<{ n: number | string }>)[0]!.n);
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * Proves the restored server is what the plan promised: its GTID state equals the plan's, and
 * every table of the signed manifest exists and opens (counted, so each is read). Any failure
 * fails the restore with all the evidence at once.
 */
export async function verifyRestoredServer(plan: RestorePlan, server: DbInstance, schemaTables: readonly string[]): Promise<VerificationReport> {
  return withSql(connectionOf(server), async (conn) => {
    const failures: string[] = [];
    const gtidExecuted = await readGtidState(conn, plan.flavor);
    if (!sameHistory(plan.flavor, gtidExecuted, plan.expectedGtids)) {
      failures.push(`GTID state is ${gtidExecuted || '(empty)'}, the plan expects ${plan.expectedGtids}`);
    }
    const rowCounts: Record<string, number> = {};
    for (const table of schemaTables) {
      const rows = await rowsOf(conn, table);
      if (typeof rows === 'number') rowCounts[table] = rows;
      else failures.push(`table ${table} of the manifest does not open: ${rows}`);
    }
    if (failures.length > 0) throw new RestoreVerificationError(failures);
    return { gtidExecuted, tablesChecked: schemaTables.length, rowCounts };
  });
}
