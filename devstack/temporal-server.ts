import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { join } from 'node:path';
import { PitrError } from '../domain/errors';
import { spawnDaemon, stopByPidFile, tcpOpen, waitUntilReady, PortInUseError, runningPid } from '../adapters/servers/process';
import { toolchain } from '../adapters/servers/toolchain';

/** Search attributes the product's workflows set; the UI filters on them. */
export const SEARCH_ATTRIBUTES = {
  TenantId: 'Keyword',
  ClusterId: 'Keyword',
  BackupPhase: 'Keyword',
  TargetTime: 'Datetime',
  NoAgentPolling: 'Keyword',
} as const;

const { IndexedValueType } = temporal.api.enums.v1;
export const SEARCH_ATTRIBUTE_TYPES: Record<keyof typeof SEARCH_ATTRIBUTES, temporal.api.enums.v1.IndexedValueType> = {
  TenantId: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  ClusterId: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  BackupPhase: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  TargetTime: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  NoAgentPolling: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
};

export class SearchAttributeTypeError extends PitrError {
  constructor(name: string, found: string, dbFile: string) {
    super(
      `search attribute ${name} is registered as ${found} on the Temporal dev server, not ${SEARCH_ATTRIBUTES[name as keyof typeof SEARCH_ATTRIBUTES]}`,
      {
        hint: `a search attribute's type cannot change: stop the stack (\`pitr dev down\`), move ${dbFile} away (its workflow history goes with it) and run \`pitr dev up\``,
        terminal: true,
      },
    );
  }
}

export interface TemporalServerSpec {
  dir: string;
  port: number;
  /** Omit to run without the Web UI. */
  uiPort?: number;
  /** Keep history in a file under `dir` so it survives a restart. */
  persistent: boolean;
}

export interface TemporalServerInfo {
  address: string;
  namespace: string;
  uiUrl: string | undefined;
}

export async function temporalHealthy(address: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 1000 });
  try {
    const info = await connection.workflowService.getSystemInfo({});
    return info !== undefined;
  } finally {
    await connection.close();
  }
}

export const temporalPidFile = (dir: string): string => join(dir, 'temporal.pid');

/** The Temporal CLI's dev server, with the product's search attributes registered. */
export async function startTemporalServer(spec: TemporalServerSpec): Promise<TemporalServerInfo> {
  const pidFile = temporalPidFile(spec.dir);
  const logFile = join(spec.dir, 'temporal.log');
  const address = `127.0.0.1:${spec.port}`;
  const info = {
    address,
    namespace: 'default',
    uiUrl: spec.uiPort === undefined ? undefined : `http://127.0.0.1:${spec.uiPort}`,
  };
  if (runningPid(pidFile) !== undefined) {
    await ensureSearchAttributes(info, join(spec.dir, 'temporal.db'));
    return info;
  }
  for (const port of [spec.port, spec.uiPort]) {
    if (port !== undefined && (await tcpOpen(port))) throw new PortInUseError('the Temporal dev server', port);
  }
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(spec.port), '--log-level', 'warn'];
  args.push(...(spec.uiPort === undefined ? ['--headless'] : ['--ui-port', String(spec.uiPort)]));
  if (spec.persistent) args.push('--db-filename', join(spec.dir, 'temporal.db'));
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) args.push('--search-attribute', `${name}=${type}`);
  const pid = spawnDaemon({ name: 'temporal', command: toolchain().temporal, args, logFile, pidFile });
  await waitUntilReady('Temporal dev server', pid, logFile, () => temporalHealthy(address), 60_000);
  await ensureSearchAttributes(info, join(spec.dir, 'temporal.db'));
  return info;
}

/**
 * The dev server applies `--search-attribute` only when it creates its namespace, so an
 * attribute added to the product after the database file was made is registered here.
 */
async function ensureSearchAttributes(server: TemporalServerInfo, dbFile: string): Promise<void> {
  const connection = await Connection.connect({ address: server.address, connectTimeout: 5000 });
  try {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: server.namespace });
    const missing: Record<string, temporal.api.enums.v1.IndexedValueType> = {};
    for (const [name, type] of Object.entries(SEARCH_ATTRIBUTE_TYPES)) {
      const found = customAttributes?.[name];
      if (found === undefined || found === null) missing[name] = type;
      else if (found !== type) throw new SearchAttributeTypeError(name, IndexedValueType[found] ?? String(found), dbFile);
    }
    if (Object.keys(missing).length > 0) {
      await connection.operatorService.addSearchAttributes({ namespace: server.namespace, searchAttributes: missing });
    }
  } finally {
    await connection.close();
  }
}

/**
 * Another namespace on a running dev server, with the product's search attributes: what a test
 * file gets so its task queues, workflow ids and schedules are its own.
 */
export async function ensureNamespace(server: TemporalServerInfo): Promise<void> {
  const connection = await Connection.connect({ address: server.address, connectTimeout: 5000 });
  try {
    await connection.workflowService
      .registerNamespace({ namespace: server.namespace, workflowExecutionRetentionPeriod: msToTs('1 day') })
      .catch((err: unknown) => {
        if ((err as { code?: number }).code !== ALREADY_EXISTS) throw err;
      });
  } finally {
    await connection.close();
  }
  // The frontend learns of a new namespace when it next refreshes its cache.
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await ensureSearchAttributes(server, 'the dev server database');
      return;
    } catch (err) {
      if (Date.now() > deadline || (err as { code?: number }).code !== NOT_FOUND) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** gRPC status codes. */
const NOT_FOUND = 5;
const ALREADY_EXISTS = 6;

export async function stopTemporalServer(dir: string): Promise<boolean> {
  return stopByPidFile(temporalPidFile(dir));
}
