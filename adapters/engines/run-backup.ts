import { resolve } from 'node:path';
import { InvalidInputError } from '../../domain/errors';
import { cloneBackup } from './clone-engine';
import { dumpBackup } from './dump-engine';
import { physicalBackup } from './physical-engine';
import { completedResult, emptyStaging, recordResult, treeBytes } from './staging';
import { ENGINE_FLAVOR, type BackupOptions, type BackupResult, type EngineName, type EngineOutput } from './types';

export function assertEngineName(engine: string): asserts engine is EngineName {
  if (!Object.hasOwn(ENGINE_FLAVOR, engine)) {
    throw new InvalidInputError(`unknown backup engine "${engine}"`, { hint: `use one of: ${Object.keys(ENGINE_FLAVOR).join(', ')}` });
  }
}

function runEngine(engine: EngineName, options: BackupOptions): Promise<EngineOutput> {
  switch (engine) {
    case 'clone':
      return cloneBackup(options);
    case 'mysqldump':
      return dumpBackup('mysql', options);
    case 'mariadb-dump':
      return dumpBackup('mariadb', options);
    case 'mariadb-backup':
    case 'xtrabackup':
      return physicalBackup(engine, options);
  }
}

/**
 * Takes a consistent backup of a running server into `stagingDir` and reports the engine's
 * own consistent point. Idempotent: a staging folder holding this engine's complete result
 * is returned as it is (the tool does not run again); anything else in it is wiped first.
 */
export async function runBackup(engine: EngineName, options: BackupOptions): Promise<BackupResult> {
  assertEngineName(engine);
  const stagingDir = resolve(options.stagingDir);
  const previous = completedResult(stagingDir, engine);
  if (previous) return previous;
  emptyStaging(stagingDir);
  const output = await runEngine(engine, { ...options, stagingDir });
  const result: BackupResult = { engine, flavor: ENGINE_FLAVOR[engine], stagingDir, ...output, bytes: treeBytes(output.payload) };
  recordResult(result);
  return result;
}
