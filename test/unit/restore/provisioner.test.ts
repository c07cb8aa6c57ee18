import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkServerVersion, LocalProcessProvisioner, RestoreServerVersionError } from '../../../activities/restore/provisioner';
import { majorMinor } from '../../../domain/restore/release';
import { toolchain } from '../../../activities/local/toolchain';

test('the major.minor release of server versions as MySQL and MariaDB report them', () => {
  assert.equal(majorMinor('9.7.4-2'), '9.7');
  assert.equal(majorMinor('8.0.36-log'), '8.0');
  assert.equal(majorMinor('10.11.19-MariaDB-0+deb12u1'), '10.11');
  assert.equal(majorMinor('5.5.5-10.11.6-MariaDB-log'), '10.11');
  assert.equal(majorMinor('unknown'), null);
});

test('a source of another major.minor release than the restoring binary is refused, terminally, naming both', () => {
  checkServerVersion('mysql', '9.7.1', '9.7.4-2');
  checkServerVersion('mariadb', '10.11.6-MariaDB-log', '10.11.19-MariaDB-0+deb12u1');
  assert.throws(
    () => checkServerVersion('mysql', '8.0.36', '9.7.4-2'),
    (err: unknown) => {
      assert.ok(err instanceof RestoreServerVersionError);
      assert.equal(err.terminal, true);
      assert.match(err.message, /mysql 8\.0\.36, this restore host's mysql server is 9\.7\.4-2/);
      assert.match(err.hint ?? '', /whose mysql server is 8\.0\.x/);
      return true;
    },
  );
  assert.throws(() => checkServerVersion('mariadb', '10.6.12-MariaDB', '10.11.19-MariaDB'), RestoreServerVersionError);
  assert.throws(() => checkServerVersion('mysql', 'garbled', '9.7.4'), RestoreServerVersionError);
});

const mysqldHere = existsSync(toolchain().mysqld);

test('the local provisioner compares the manifest version with its own mysqld and provisions nothing when they differ', {
  skip: !mysqldHere && 'no mysqld on this host',
}, async () => {
  const root = mkdtempSync(join(tmpdir(), 'pitr-provisioner-'));
  try {
    const own = /Ver\s+(\S+)/.exec(execFileSync(toolchain().mysqld, ['--version']).toString())![1]!;
    const provisioner = new LocalProcessProvisioner(root);
    await assert.rejects(
      provisioner.provision('r-old', { flavor: 'mysql', serverVersion: own.startsWith('8.0.') ? '5.7.44' : '8.0.36' }),
      RestoreServerVersionError,
    );
    assert.equal(existsSync(provisioner.siteOf('r-old', 'mysql').binlogDir), false, 'a refused restore provisions nothing');
    const site = await provisioner.provision('r-same', { flavor: 'mysql', serverVersion: own });
    assert.equal(existsSync(site.binlogDir), true);
    await provisioner.release('r-same', 'mysql');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
