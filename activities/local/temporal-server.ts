import { Connection } from '@temporalio/client';
import { join } from 'node:path';
import { spawnDaemon, stopByPidFile, tcpOpen, waitUntilReady, PortInUseError, readPid, isAlive } from './process';
import { toolchain } from './toolchain';

/** Search attributes the product's workflows set; the UI filters on them. */
export const SEARCH_ATTRIBUTES = {
  TenantId: 'Keyword',
  ClusterId: 'Keyword',
  BackupPhase: 'Keyword',
  TargetTime: 'Datetime',
} as const;

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

/** The Temporal CLI's dev server, with the product's search attributes registered. */
export async function startTemporalServer(spec: TemporalServerSpec): Promise<TemporalServerInfo> {
  const pidFile = join(spec.dir, 'temporal.pid');
  const logFile = join(spec.dir, 'temporal.log');
  const address = `127.0.0.1:${spec.port}`;
  const info = {
    address,
    namespace: 'default',
    uiUrl: spec.uiPort === undefined ? undefined : `http://127.0.0.1:${spec.uiPort}`,
  };
  const running = readPid(pidFile);
  if (running !== undefined && isAlive(running)) return info;
  for (const port of [spec.port, spec.uiPort]) {
    if (port !== undefined && (await tcpOpen(port))) throw new PortInUseError('the Temporal dev server', port);
  }
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(spec.port), '--log-level', 'warn'];
  args.push(...(spec.uiPort === undefined ? ['--headless'] : ['--ui-port', String(spec.uiPort)]));
  if (spec.persistent) args.push('--db-filename', join(spec.dir, 'temporal.db'));
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) args.push('--search-attribute', `${name}=${type}`);
  const pid = spawnDaemon({ name: 'temporal', command: toolchain().temporal, args, logFile, pidFile });
  await waitUntilReady('Temporal dev server', pid, logFile, () => temporalHealthy(address), 60_000);
  return info;
}

export async function stopTemporalServer(dir: string): Promise<boolean> {
  return stopByPidFile(join(dir, 'temporal.pid'));
}
