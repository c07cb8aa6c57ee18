import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toolTlsOptions } from '../db/tls';
import type { DbConnection } from './types';

const OPTION_ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * A value for a MySQL/MariaDB option file. The reader cuts a `#` comment unless it is inside
 * quotes (tracking unescaped quotes), strips one pair of enclosing quotes, then decodes
 * backslash escapes: so the value is quoted and its quotes, backslashes and line breaks escaped.
 */
function optionValue(value: string): string {
  return `"${value.replace(/[\\"\n\r\t]/g, (c) => OPTION_ESCAPES[c] as string)}"`;
}

/** The `[client]` group every MySQL/MariaDB client and backup tool reads. */
export function clientOptionFile(db: DbConnection): string {
  const lines = ['[client]', `user=${optionValue(db.user)}`, `password=${optionValue(db.password)}`];
  if (db.socket) {
    lines.push('host=localhost', `socket=${optionValue(db.socket)}`);
  } else {
    lines.push(`host=${optionValue(db.host)}`, `port=${db.port}`, 'protocol=TCP');
    if (db.tls) lines.push(...toolTlsOptions(db.tls));
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Runs `use` with a 0600 option file holding the credentials, so they never appear on a
 * command line (where `ps` shows them); the file is removed afterwards whatever happens.
 */
export async function withDefaultsFile<T>(db: DbConnection, use: (path: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'pitr-client-'));
  try {
    const file = join(dir, 'client.cnf');
    writeFileSync(file, clientOptionFile(db), { mode: 0o600 });
    return await use(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
