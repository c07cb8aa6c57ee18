import { join } from 'node:path';
import { type AgentConfig, AgentConfigSchema } from '../../adapters/config/config';
import type { DbInstance } from '../../adapters/servers/db-instance';

/**
 * An agent's configuration for `db` as its root account over TCP. Benches call agent code that
 * reads only the database settings and the staging folder; the rest names nothing real.
 */
export function benchAgentConfig(db: DbInstance, clusterId: string, database: Partial<AgentConfig['database']> = {}): AgentConfig {
  return AgentConfigSchema.parse({
    temporal: { address: '127.0.0.1:7233' },
    storage: { endpoint: 'http://127.0.0.1:9000', bucket: 'unused', accessKeyId: 'unused', secretAccessKey: 'unused' },
    masterKeyFile: join(db.dir, 'unused.key'),
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
