import { createConnection } from 'mysql2/promise';
import type { DbInstance } from '../../adapters/servers/db-instance';

/**
 * `kib` rows of 1 KiB random bytes in `bulk.blobs`: data that neither compresses nor dumps
 * small, so a backup or an upload takes long enough for a test to act in the middle of it.
 */
export async function loadIncompressibleRows(db: DbInstance, kib: number): Promise<void> {
  const conn = await createConnection({ host: db.host, port: db.port, user: db.user, password: db.password, multipleStatements: true });
  try {
    const depth = db.flavor === 'mysql' ? 'cte_max_recursion_depth' : 'max_recursive_iterations';
    await conn.query(`CREATE DATABASE IF NOT EXISTS bulk; CREATE TABLE IF NOT EXISTS bulk.blobs (id INT PRIMARY KEY, b VARBINARY(1024));
      SET SESSION ${depth} = ${kib + 1};
      INSERT INTO bulk.blobs WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < ${kib}) SELECT n, RANDOM_BYTES(1024) FROM s`);
  } finally {
    await conn.end();
  }
}
