import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SYSTEM_SCHEMAS } from './system-schemas';

/**
 * Names on disk use the server's "filename" encoding: anything but [A-Za-z0-9_] becomes
 * `@` and four hex digits (`my-db` is `my@002ddb`).
 */
export function decodeFilename(name: string): string {
  return name.replace(/@([0-9a-f]{4})/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

/** A MariaDB .frm of a view is text starting `TYPE=VIEW`; a table's is binary. */
function isViewFrm(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(9);
    readSync(fd, head, 0, head.length, 0);
    return head.toString('latin1') === 'TYPE=VIEW';
  } finally {
    closeSync(fd);
  }
}

/**
 * The user tables in a physical backup's copy of a datadir, as `db.table`, sorted: read from
 * the copy rather than the live server so they match the backup even under concurrent DDL.
 * A schema folder with .frm files (MariaDB, MySQL 5.7) lists one per table or view; without
 * them (MySQL 8+, whose data dictionary replaced .frm) each InnoDB table or partition has an
 * .ibd. mariadb-backup may store an .ibd as .new until --prepare, so .frm is its only reliable mark.
 */
export function datadirTables(dir: string): string[] {
  const tables = new Set<string>();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const schema = decodeFilename(entry.name);
    if (!entry.isDirectory() || SYSTEM_SCHEMAS.has(schema)) continue;
    const schemaDir = join(dir, entry.name);
    const files = readdirSync(schemaDir).filter((f) => statSync(join(schemaDir, f)).isFile());
    const frms = files.filter((f) => f.endsWith('.frm'));
    const names =
      frms.length > 0
        ? frms.filter((f) => !isViewFrm(join(schemaDir, f))).map((f) => f.slice(0, -'.frm'.length))
        : files.filter((f) => f.endsWith('.ibd')).map((f) => f.slice(0, -'.ibd'.length).replace(/#p#.*$/i, ''));
    for (const name of names) tables.add(`${schema}.${decodeFilename(name)}`);
  }
  return [...tables].sort();
}
