import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, test } from 'node:test';
import { packPayload, unpackPayload } from '../../../adapters/engines/pack';

const root = mkdtempSync(join(tmpdir(), 'pack-'));
after(() => rmSync(root, { recursive: true, force: true }));

function listing(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else out[relative(dir, path)] = readFileSync(path).toString('base64');
    }
  };
  walk(dir);
  return out;
}

test('a payload folder comes back byte for byte under its own name', async () => {
  const data = join(root, 'staging', 'data');
  mkdirSync(join(data, '#innodb_redo'), { recursive: true });
  mkdirSync(join(data, 'app'), { recursive: true });
  writeFileSync(join(data, 'ibdata1'), Buffer.alloc(300_000, 7));
  writeFileSync(join(data, '#innodb_redo', '#ib_redo0'), Buffer.from([0, 1, 2, 255]));
  writeFileSync(join(data, 'app', 'events.ibd'), '');
  writeFileSync(join(data, 'app', `${'long-name-'.repeat(12)}.ibd`), 'x');
  const out = join(root, 'unpacked-dir');
  await unpackPayload(packPayload(data), out);
  assert.deepEqual(readdirSync(out), ['data']);
  assert.deepEqual(listing(join(out, 'data')), listing(data));
});

test('a single dump file is packed alone, without its neighbours', async () => {
  const staging = join(root, 'dump-staging');
  mkdirSync(staging);
  writeFileSync(join(staging, 'dump.sql'), '-- dump\nSELECT 1;\n');
  writeFileSync(join(staging, 'result.json'), '{}');
  const out = join(root, 'unpacked-file');
  await unpackPayload(packPayload(join(staging, 'dump.sql')), out);
  assert.deepEqual(listing(out), { 'dump.sql': Buffer.from('-- dump\nSELECT 1;\n').toString('base64') });
});
