import { PitrError } from '../../domain/errors';
import type { Catalog } from './catalog';

/**
 * Every tenant the catalog knows, across row-level security: `pitr_catalog_tenants()`
 * (migration 0006) returns only the ids. The session's tenant is irrelevant to it, so an
 * empty one is set, under which every table reads as empty.
 */
export async function catalogTenants(catalog: Catalog): Promise<string[]> {
  try {
    return await catalog.withTenant('', async (db) =>
      (await db.query<{ tenant: string }>('SELECT t AS tenant FROM pitr_catalog_tenants() AS t')).rows.map((r) => r.tenant),
    );
  } catch (err) {
    if (err instanceof PitrError) throw err;
    throw new PitrError(`the catalog cannot list its tenants: ${(err as Error).message}`, {
      hint: 'run `pitr catalog migrate` (migration 0006 adds pitr_catalog_tenants(), owned by a role that bypasses row-level security); meanwhile check tenant by tenant with --tenant',
      cause: err,
    });
  }
}
