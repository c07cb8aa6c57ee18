import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type AgentConfig, type CentralConfig, DEFAULT_STREAM_STALL_SECONDS } from '../adapters/config/config';
import type { StackInfo } from './stack';
import { adminSecretFile } from '../adapters/servers/db-instance';

export interface DevConfigFiles {
  central: string;
  agents: Record<keyof typeof DEV_CLUSTERS, string>;
}

export const DEV_TENANT = 'local';
export const DEV_CLUSTERS = { mysql: 'local-mysql', mariadb: 'local-mariadb' } as const;

function writeOnce(file: string, content: () => string): void {
  if (!existsSync(file)) writeFileSync(file, content(), { mode: 0o600 });
}

/**
 * Writes the configuration of a central worker and of one agent per local database, with a
 * master key and a manifest signing key generated once and kept in the state folder.
 */
export function writeDevConfigs(stack: Omit<StackInfo, 'configs'>): DevConfigFiles {
  const keysDir = join(stack.stateDir, 'keys');
  mkdirSync(keysDir, { recursive: true, mode: 0o700 });
  const masterKeyFile = join(keysDir, 'master.key');
  writeOnce(masterKeyFile, () => `${randomBytes(32).toString('base64')}\n`);
  const privateKeyFile = join(keysDir, 'manifest-signing.pem');
  const publicKeyFile = join(keysDir, 'manifest-signing.pub.pem');
  if (!existsSync(privateKeyFile)) {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    writeFileSync(publicKeyFile, publicKey.export({ type: 'spki', format: 'pem' }));
    writeFileSync(privateKeyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  }
  const common = {
    temporal: { address: stack.temporal.address, namespace: stack.temporal.namespace },
    storage: {
      endpoint: stack.s3.endpoint,
      region: stack.s3.region,
      bucket: stack.s3.bucket,
      prefix: 'v2/',
      accessKeyId: stack.s3.accessKeyId,
      secretAccessKey: stack.s3.secretAccessKey,
    },
    masterKeyFile,
  };
  const central: CentralConfig = {
    ...common,
    catalogUrl: stack.postgres.connectionString,
    signing: { keyId: 'local-1', privateKeyFile, publicKeyFiles: { 'local-1': publicKeyFile } },
  };
  const centralFile = join(stack.stateDir, 'central.json');
  writeFileSync(centralFile, `${JSON.stringify(central, null, 2)}\n`, { mode: 0o600 });
  const agents = {} as Record<keyof typeof DEV_CLUSTERS, string>;
  for (const flavor of ['mysql', 'mariadb'] as const) {
    const db = stack[flavor];
    const agent: AgentConfig = {
      ...common,
      tenantId: DEV_TENANT,
      clusterId: DEV_CLUSTERS[flavor],
      database: {
        flavor,
        host: db.host,
        port: db.port,
        socket: db.socket,
        user: db.user,
        password: { file: adminSecretFile(db.dir) },
        binlogDir: db.binlogDir,
        archiveSource: 'files',
        streamStallSeconds: DEFAULT_STREAM_STALL_SECONDS,
      },
      stagingDir: join(stack.stateDir, 'staging', DEV_CLUSTERS[flavor]),
      headroom: 1.3,
      maxDdlSeconds: 60,
      maxLockWaiters: 0,
      maxLockWaitSeconds: 60,
      throttle: {},
      tools: {},
    };
    agents[flavor] = join(stack.stateDir, `agent-${DEV_CLUSTERS[flavor]}.json`);
    writeFileSync(agents[flavor], `${JSON.stringify(agent, null, 2)}\n`, { mode: 0o600 });
  }
  return { central: centralFile, agents };
}
