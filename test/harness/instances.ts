import { existsSync, mkdtempSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after } from 'node:test';
import { type DbInstance, dbLogFile, dbPidFile, type Flavor, startDbInstance, stopDbInstance } from '../../adapters/servers/db-instance';
import { logTail, runningPid } from '../../adapters/servers/process';
import type { ServerBinaries } from '../../adapters/servers/server-binaries';
import { SOURCE_SERVER_ARGS } from '../../devstack/stack';
import { testStack } from './env';

export const INSTANCES_DIR = 'instances';

/**
 * A port where no server answers, for tests of a database that is down. Not a free ephemeral
 * port: the servers other tests start meanwhile are given those, and one taking it answers
 * (seen: "Access denied for user 'backup'" from another test's MySQL). Every server of the
 * suite gets its port from the kernel's ephemeral range, far above this privileged one, on
 * which nothing here listens.
 */
export const NO_SERVER_PORT = 1;

/**
 * A fresh database server of its own for one test file (copied from a cached template,
 * so about a second). Stopped after the file's tests; the harness stops any left behind.
 */
export async function freshDbInstance(
  flavor: Flavor,
  options: { serverId?: number; extraArgs?: string[]; server?: ServerBinaries; lowerCaseTableNames?: number } = {},
): Promise<DbInstance> {
  const root = join(testStack().stateDir, INSTANCES_DIR);
  mkdirSync(root, { recursive: true });
  const dir = mkdtempSync(join(root, `${flavor}-`));
  const instance = await startDbInstance({
    flavor,
    dir,
    ...options,
    extraArgs: [...SOURCE_SERVER_ARGS[flavor], ...(options.extraArgs ?? [])],
  });
  after(async () => {
    // A server that stopped on its own fails its tests with refused connections: its log says why.
    if (existsSync(dbPidFile(dir)) && runningPid(dbPidFile(dir)) === undefined) {
      console.error(
        `# the ${flavor} server on port ${instance.port} (${dir}) stopped on its own; its log ends:\n${logTail(dbLogFile(dir), 40)}`,
      );
    }
    await stopDbInstance(dir);
  });
  return instance;
}
