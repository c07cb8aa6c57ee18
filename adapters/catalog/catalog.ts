import { Pool, type PoolClient } from 'pg';
import { PitrError } from '../../domain/errors';

export class CatalogUnavailableError extends PitrError {}

/**
 * The PostgreSQL catalog. Every query runs inside `withTenant`, as the `pitr_app` role with
 * `pitr.tenant_id` set for the transaction, so row-level security confines it to one tenant.
 */
export class Catalog {
  private constructor(private readonly pool: Pool) {}

  static open(connectionString: string): Catalog {
    const pool = new Pool({ connectionString, max: 4, connectionTimeoutMillis: 5000 });
    // An idle client that loses its server must not crash the worker; the next query reports it.
    pool.on('error', () => undefined);
    return new Catalog(pool);
  }

  async withTenant<T>(tenantId: string, fn: (db: PoolClient) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw new CatalogUnavailableError(`the catalog database does not answer: ${(err as Error).message}`, {
        hint: 'check the catalog connection string and that PostgreSQL is running',
        cause: err,
      });
    }
    // A connection lost mid-transaction is also emitted as an 'error' on its client: the failing query reports it, and unheard it would crash the worker.
    const lost = (): void => undefined;
    client.on('error', lost);
    let failed: Error | undefined;
    try {
      await client.query('BEGIN');
      await client.query('SET LOCAL ROLE pitr_app');
      await client.query("SELECT set_config('pitr.tenant_id', $1, true)", [tenantId]);
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      if (!(err instanceof PitrError)) failed = err as Error;
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.off('error', lost);
      // A client whose transaction failed other than by the product's own refusal may have lost its connection: it is closed, not pooled again.
      client.release(failed);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
