import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BackupResult, EngineName } from './types';

/** Written last: its presence means everything else in the staging folder is complete. */
export const RESULT_MARKER = 'result.json';

/** The complete result a previous attempt left for this engine, if any. */
export function completedResult(stagingDir: string, engine: EngineName): BackupResult | undefined {
  const marker = join(stagingDir, RESULT_MARKER);
  if (!existsSync(marker)) return undefined;
  const result = JSON.parse(readFileSync(marker, 'utf8')) as BackupResult;
  return result.engine === engine && existsSync(result.payload) ? result : undefined;
}

/** Leaves `stagingDir` empty, removing whatever a failed or different attempt left in it. */
export function emptyStaging(stagingDir: string): void {
  rmSync(stagingDir, { recursive: true, force: true });
  mkdirSync(stagingDir, { recursive: true });
}

export function recordResult(result: BackupResult): void {
  const marker = join(result.stagingDir, RESULT_MARKER);
  const partial = `${marker}.tmp`;
  writeFileSync(partial, `${JSON.stringify(result, null, 2)}\n`);
  renameSync(partial, marker);
}

/** Bytes in a file, or in every file under a folder. */
export function treeBytes(path: string): number {
  const stat = lstatSync(path, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, name) => sum + treeBytes(join(path, name)), 0);
}
