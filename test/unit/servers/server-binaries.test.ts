import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { serverBinariesAt, serverProgram } from '../../../adapters/servers/server-binaries';

/** A basedir holding only a server program that reports `version`, in `folder` (sbin for packages, bin for tarballs). */
function installed(folder: 'sbin' | 'bin', version: string): string {
  const basedir = mkdtempSync(join(tmpdir(), 'pitr-basedir-'));
  mkdirSync(join(basedir, folder));
  writeFileSync(join(basedir, folder, 'mariadbd'), `#!/bin/sh\necho "mariadbd  Ver ${version} for Linux on x86_64"\n`);
  chmodSync(join(basedir, folder, 'mariadbd'), 0o755);
  return basedir;
}

test("a release's server is found in sbin/ as packages lay it out, or in bin/ as the vendors' tarballs do", async (t) => {
  for (const folder of ['sbin', 'bin'] as const) {
    const basedir = installed(folder, '11.8.3-MariaDB');
    t.after(() => rmSync(basedir, { recursive: true, force: true }));
    const server = await serverBinariesAt('mariadb', basedir);
    assert.deepEqual(server, { flavor: 'mariadb', release: '11.8', version: '11.8.3-MariaDB', basedir });
    assert.equal(serverProgram(server, 'server'), join(basedir, folder, 'mariadbd'));
    assert.equal(serverProgram(server, 'dump'), join(basedir, 'bin', 'mariadb-dump'));
  }
});

test('a basedir without a server, or whose server reports no release, is refused naming the path', async (t) => {
  const empty = mkdtempSync(join(tmpdir(), 'pitr-basedir-'));
  t.after(() => rmSync(empty, { recursive: true, force: true }));
  await assert.rejects(serverBinariesAt('mariadb', empty), (err: Error & { hint?: string }) => {
    assert.match(err.message, new RegExp(`there is no mariadb server program at ${empty}/sbin/mariadbd`));
    assert.match(err.hint ?? '', /sbin\/ or bin\/ holds its server/);
    return true;
  });
  const garbled = installed('sbin', 'unknown');
  t.after(() => rmSync(garbled, { recursive: true, force: true }));
  await assert.rejects(serverBinariesAt('mariadb', garbled), /--version reports no release/);
});
