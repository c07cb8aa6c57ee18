import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';

const repo = resolve(__dirname, '../../../..');

test('`pitr` runs the built command line, and `npx pitr` finds it once dependencies are installed', () => {
  const out = execFileSync(
    join(repo, 'bin', 'pitr'),
    ['gtid', 'normalize', 'A4D2B0D2-1111-11EF-8000-000000000001:6-9,a4d2b0d2-1111-11ef-8000-000000000001:1-5'],
    { encoding: 'utf8' },
  );
  assert.equal(out.trim(), 'a4d2b0d2-1111-11ef-8000-000000000001:1-9');
  assert.equal(realpathSync(join(repo, 'node_modules', '.bin', 'pitr')), realpathSync(join(repo, 'bin', 'pitr')));
});
