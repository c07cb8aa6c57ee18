import { join } from 'node:path';
import { type AgentConfig, AgentConfigSchema } from '../../adapters/config/config';
import type { DbInstance } from '../../adapters/servers/db-instance';

/**
 * An agent's configuration for `db` as its root account over TCP. Benches call agent code that
 * reads the database settings and the staging folder, and, given `store`, uploads there; without
 * it, the storage settings name nothing real.
 */
export function benchAgentConfig(
  db: DbInstance,
  clusterId: string,
  database: Partial<AgentConfig['database']> = {},
  /** Where a bench that uploads stores, with the master key file it wraps tenant keys with. */
  store?: { storage: { endpoint: string; bucket: string; accessKeyId: string; secretAccessKey: string }; masterKeyFile: string },
): AgentConfig {
  return AgentConfigSchema.parse({
    temporal: { address: '127.0.0.1:7233' },
    storage: store?.storage ?? { endpoint: 'http://127.0.0.1:9000', bucket: 'unused', accessKeyId: 'unused', secretAccessKey: 'unused' },
    masterKeyFile: store?.masterKeyFile ?? join(db.dir, 'unused.key'),
    tenantId: 'bench',
    clusterId,
    stagingDir: join(db.dir, 'staging'),
    database: {
      flavor: db.flavor,
      host: db.host,
      port: db.port,
      user: db.user,
      password: db.password,
      binlogDir: db.binlogDir,
      ...database,
    },
  });
}
