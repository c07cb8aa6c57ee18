import type { ArchiveSource } from '../../domain/archive/stream-mirror';
import { Client, Connection } from '@temporalio/client';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after } from 'node:test';
import { upsertCluster, parseCluster } from '../../adapters/catalog/clusters';
import { Catalog } from '../../adapters/catalog/catalog';
import { type AgentConfig, loadCentralConfig, type CentralConfig, resolveSecret, loadAgentConfig } from '../../adapters/config/config';
import type { DbInstance } from '../../adapters/servers/db-instance';
import { agentGrants } from '../../adapters/engines/grants';
import { ENGINE_FLAVOR } from '../../adapters/engines/types';
import { createConnection } from 'mysql2/promise';
import { backupWorkflowId, type BaseBackupInput, type EngineName } from '../../domain/backup';
import { baseBackupWorkflow } from '../../workflows';
import { CENTRAL_TASK_QUEUE } from '../../domain/task-queues';
import { startAgentWorker } from '../../workers/agent-worker';
import { type CentralQueue, startCentralWorkers } from '../../workers/central-worker';
import type { RunningWorkers } from '../../workers/create-worker';
import { agentOverTcp } from './agent-database';
import { testStack } from './env';
import { workflowBundle } from './workflow-bundle';

function runInBackground(running: RunningWorkers): void {
  const done = running.run();
  after(async () => {
    running.shutdown();
    await done;
    await running.close();
  });
}

export function centralConfig(): CentralConfig {
  return loadCentralConfig(testStack().configs.central);
}

let central: Promise<CentralConfig> | undefined;

/**
 * The central and verify workers of the test stack, and a restore host unless `queues` leaves it
 * out, once per test file. Call it at the top level of the file (not inside a test): they are
 * stopped after the file's last test.
 */
export function startTestCentralWorkers(queues: CentralQueue[] = ['central', 'verify', 'restore']): Promise<CentralConfig> {
  return (central ??= (async () => {
    const config = centralConfig();
    runInBackground(await startCentralWorkers(config, queues, await workflowBundle()));
    return config;
  })());
}

const AGENT = { user: 'pitr_agent', password: 'Agent-Secret-7' };
const ROOT_PASSWORD = 'Root-Secret-1';

/**
 * The source as operators run it, for an agent signed in the usual way: root gets a password,
 * and the agent an account with exactly what `pitr cluster grants` prints for every engine of
 * the flavor and the archive, reached over TCP.
 */
export async function asOperatorsRunIt(db: DbInstance): Promise<AgentConfig['database']> {
  const grants = Object.entries(ENGINE_FLAVOR)
    .filter(([, flavor]) => flavor === db.flavor)
    .map(([engine]) => agentGrants({ flavor: db.flavor, engine: engine as EngineName, archive: true, user: AGENT.user, host: '127.0.0.1' }))
    .join('\n')
    .replaceAll('<password>', AGENT.password);
  const admin = await createConnection({ socketPath: db.socket, user: db.user, password: db.password, multipleStatements: true });
  try {
    // Outside the binlog: the tests' GTID arithmetic stays as it was, and a replica gets no transactions of its own.
    await admin.query(`SET SESSION sql_log_bin = 0;\n${grants}\nALTER USER 'root'@'localhost' IDENTIFIED BY '${ROOT_PASSWORD}';`);
  } finally {
    await admin.end();
  }
  return agentOverTcp(db, AGENT);
}

/**
 * A cluster of its own, registered in the catalog, backed by `db`; returns its agent's
 * configuration: the least-privilege agent over TCP unless `overrides` names the database settings.
 */
export async function registerTestCluster(
  db: DbInstance,
  ids: { tenantId: string; clusterId: string; engine: EngineName; archiveSource?: ArchiveSource },
  overrides: Partial<AgentConfig> = {},
): Promise<AgentConfig> {
  const stack = testStack();
  const template = loadAgentConfig(stack.configs.agents[db.flavor]);
  const stagingDir = join(stack.stateDir, 'staging', ids.clusterId);
  mkdirSync(stagingDir, { recursive: true });
  const config: AgentConfig = {
    ...template,
    tenantId: ids.tenantId,
    clusterId: ids.clusterId,
    database: overrides.database ?? (await asOperatorsRunIt(db)),
    stagingDir,
    ...overrides,
  };
  const catalog = Catalog.open(resolveSecret(centralConfig().catalogUrl));
  try {
    await upsertCluster(
      catalog,
      parseCluster({
        tenantId: ids.tenantId,
        clusterId: ids.clusterId,
        flavor: db.flavor,
        defaultEngine: ids.engine,
        archiveSource: ids.archiveSource,
      }),
    );
  } finally {
    await catalog.close();
  }
  return config;
}

/** A registered cluster with its agent running in this process: a database host with `pitr agent`. */
export async function startTestCluster(
  db: DbInstance,
  ids: { tenantId: string; clusterId: string; engine: EngineName; archiveSource?: ArchiveSource },
  overrides: Partial<AgentConfig> = {},
): Promise<AgentConfig> {
  const config = await registerTestCluster(db, ids, overrides);
  runInBackground(await startAgentWorker(config));
  return config;
}

export async function temporalClient(): Promise<Client> {
  const stack = testStack();
  const connection = await Connection.connect({ address: stack.temporal.address });
  after(() => connection.close());
  return new Client({ connection, namespace: stack.temporal.namespace });
}

/** Starts a BaseBackupWorkflow the way `pitr backup` does: one workflow id per cluster and instant. */
export async function startBackup(input: BaseBackupInput) {
  const client = await temporalClient();
  const workflowId = backupWorkflowId(input.tenantId, input.clusterId, new Date());
  const handle = await client.workflow.start(baseBackupWorkflow, { taskQueue: CENTRAL_TASK_QUEUE, workflowId, args: [input] });
  return { client, handle, workflowId };
}
