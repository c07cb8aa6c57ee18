import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where `pitr dev` keeps the local stack's data, logs and pid files. */
export function devStateDir(): string {
  return process.env.PITR_STATE_DIR ?? join(homedir(), '.local', 'state', 'pitr', 'dev');
}
