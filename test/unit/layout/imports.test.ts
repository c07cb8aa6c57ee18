import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';

/** The repository's root, from dist/test/unit/layout. */
const ROOT = resolve(__dirname, '../../../..');

/** What each top-level folder's code may import of the others: the README's layout table, checked. */
const MAY_IMPORT: Record<string, { values: string[]; types: string[] }> = {
  domain: { values: ['domain'], types: ['domain'] },
  workflows: { values: ['domain', 'workflows'], types: ['domain', 'workflows', 'activities', 'devstack'] },
  activities: { values: ['domain', 'adapters', 'activities'], types: ['domain', 'adapters', 'activities'] },
  adapters: { values: ['domain', 'adapters'], types: ['domain', 'adapters'] },
  devstack: { values: ['domain', 'adapters', 'devstack'], types: ['domain', 'adapters', 'devstack'] },
  workers: {
    values: ['domain', 'adapters', 'activities', 'workflows', 'workers'],
    types: ['domain', 'adapters', 'activities', 'workflows', 'workers'],
  },
};

/** Each import of a file: its specifier and whether it brings in types only. */
function importsOf(source: string): Array<{ specifier: string; typeOnly: boolean }> {
  const found: Array<{ specifier: string; typeOnly: boolean }> = [];
  for (const m of source.matchAll(/^(import|export)\s+(type\s+)?[^;]*?from\s+'([^']+)'/gms)) {
    found.push({ specifier: m[3]!, typeOnly: m[2] !== undefined });
  }
  return found;
}

function sourcesUnder(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => join(ROOT, folder, f));
}

test('each folder imports only what the layout allows it; workflows bring in activities as types only', () => {
  const breaches: string[] = [];
  for (const [folder, allowed] of Object.entries(MAY_IMPORT)) {
    for (const file of sourcesUnder(folder)) {
      for (const { specifier, typeOnly } of importsOf(readFileSync(file, 'utf8'))) {
        if (!specifier.startsWith('.')) continue;
        const target = relative(ROOT, resolve(dirname(file), specifier)).split('/')[0]!;
        if (!(typeOnly ? allowed.types : allowed.values).includes(target)) {
          breaches.push(`${relative(ROOT, file)} imports ${typeOnly ? 'types of ' : ''}${specifier} (${target}/)`);
        }
      }
    }
  }
  assert.deepEqual(breaches, []);
});

test('the import reader sees value and type imports, on one line or several', () => {
  const read = importsOf(
    "import { a } from '../domain/a';\nimport type { B } from '../activities/b';\nimport {\n  c,\n  d,\n} from './c';\nexport { e } from '../workers/e';",
  );
  assert.deepEqual(read, [
    { specifier: '../domain/a', typeOnly: false },
    { specifier: '../activities/b', typeOnly: true },
    { specifier: './c', typeOnly: false },
    { specifier: '../workers/e', typeOnly: false },
  ]);
});
