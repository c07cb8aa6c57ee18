import assert from 'node:assert/strict';
import { test } from 'node:test';
import { migrateCatalog } from '../../../adapters/catalog/migrate';
import { getCluster, listClusters, parseCluster, upsertCluster, ClusterNotFoundError } from '../../../adapters/catalog/clusters';
import { InvalidInputError } from '../../../domain/errors';
import { freshCatalog } from '../../harness/catalog';

test('migrations apply once and a second run applies nothing', async () => {
  const { connectionString } = await freshCatalog();
  assert.deepEqual(await migrateCatalog(connectionString), []);
});

test('a tenant sees and writes only its own rows', async () => {
  const { catalog } = await freshCatalog();
  const a = parseCluster({ tenantId: 'acme', clusterId: 'orders', flavor: 'mysql', defaultEngine: 'clone' });
  const b = parseCluster({ tenantId: 'globex', clusterId: 'orders', flavor: 'mariadb', defaultEngine: 'mariadb-backup' });
  await upsertCluster(catalog, a);
  await upsertCluster(catalog, b);
  assert.deepEqual(
    (await listClusters(catalog, 'acme')).map((c) => c.tenantId),
    ['acme'],
  );
  assert.deepEqual(
    (await listClusters(catalog, 'globex')).map((c) => c.flavor),
    ['mariadb'],
  );
  await assert.rejects(getCluster(catalog, 'acme', 'missing'), ClusterNotFoundError);

  // Even a query that names the other tenant explicitly finds nothing, and cannot write for it.
  const seen = await catalog.withTenant(
    'acme',
    async (db) => (await db.query("SELECT count(*)::int AS n FROM clusters WHERE tenant_id = 'globex'")).rows[0].n,
  );
  assert.equal(seen, 0);
  await assert.rejects(
    catalog.withTenant('acme', (db) =>
      db.query("INSERT INTO clusters (tenant_id, cluster_id, flavor, default_engine) VALUES ('globex', 'x', 'mysql', 'clone')"),
    ),
    /row-level security/,
  );
});

test('a cluster whose engine does not fit its flavor is refused', () => {
  assert.throws(
    () => parseCluster({ tenantId: 'acme', clusterId: 'c1', flavor: 'mariadb', defaultEngine: 'clone' }),
    (err: unknown) => err instanceof InvalidInputError && /defaultEngine: the engine does not back up this flavor/.test(err.message),
  );
});
