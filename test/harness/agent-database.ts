import { type AgentConfig, loadAgentConfig } from '../../adapters/config/config';
import type { DbInstance } from '../../adapters/servers/db-instance';
import { testStack } from './env';

/** The agent's source settings for `db` as operators give them: over TCP, as `user` with its password (and TLS where given). */
export function agentOverTcp(
  db: DbInstance,
  account: { user: string; password: string },
  tls?: NonNullable<AgentConfig['database']['tls']>,
): AgentConfig['database'] {
  return {
    ...loadAgentConfig(testStack().configs.agents[db.flavor]).database,
    host: '127.0.0.1',
    port: db.port,
    socket: undefined,
    ...account,
    binlogDir: db.binlogDir,
    ...(tls ? { tls } : {}),
  };
}
