import { after } from 'node:test';
import { Catalog } from '../../adapters/catalog/catalog';
import { migrateCatalog } from '../../adapters/catalog/migrate';
import { dropDatabase, ensureDatabase } from '../../devstack/postgres';

/** A migrated catalog database of its own for one test file, dropped after it. */
export async function freshCatalog(): Promise<{ catalog: Catalog; connectionString: string }> {
  const database = `pitr_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const connectionString = await ensureDatabase(database);
  await migrateCatalog(connectionString);
  const catalog = Catalog.open(connectionString);
  after(async () => {
    await catalog.close();
    await dropDatabase(database);
  });
  return { catalog, connectionString };
}
