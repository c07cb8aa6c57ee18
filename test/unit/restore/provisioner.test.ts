import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { LocalProcessProvisioner, RestoreServerVersionError, serverFor } from '../../../activities/restore/provisioner';
import { defaultServerBinaries, type ServerBinaries } from '../../../adapters/servers/server-binaries';
import { majorMinor } from '../../../domain/restore/release';
import { toolchain } from '../../../adapters/servers/toolchain';

test('the major.minor release of server versions as MySQL and MariaDB report them', () => {
  assert.equal(majorMinor('9.7.4-2'), '9.7');
  assert.equal(majorMinor('8.0.36-log'), '8.0');
  assert.equal(majorMinor('10.11.19-MariaDB-0+deb12u1'), '10.11');
  assert.equal(majorMinor('5.5.5-10.11.6-MariaDB-log'), '10.11');
  assert.equal(majorMinor('unknown'), null);
});

const server = (flavor: 'mysql' | 'mariadb', version: string): ServerBinaries => ({
  flavor,
  version,
  release: majorMinor(version)!,
  basedir: `/opt/${flavor}-${version}`,
});
const FLEET_HOST = [server('mysql', '9.7.4-2'), server('mariadb', '10.11.19-MariaDB-0+deb12u1'), server('mariadb', '11.8.9-MariaDB-4')];

test("a restore runs on the host's release of the source's major.minor, whichever releases the host runs beside it", () => {
  assert.equal(serverFor(FLEET_HOST, { flavor: 'mysql', serverVersion: '9.7.1' }).basedir, '/opt/mysql-9.7.4-2');
  assert.equal(serverFor(FLEET_HOST, { flavor: 'mariadb', serverVersion: '10.11.6-MariaDB-log' }).release, '10.11');
  assert.equal(serverFor(FLEET_HOST, { flavor: 'mariadb', serverVersion: '11.8.3-MariaDB' }).release, '11.8');
  assert.equal(serverFor(FLEET_HOST, { flavor: 'mariadb', serverVersion: null }).release, '10.11', 'an unrecorded version: the first');
});

test('a source of a release the host does not run is refused, terminally, naming the releases it runs', () => {
  assert.throws(
    () => serverFor(FLEET_HOST, { flavor: 'mariadb', serverVersion: '10.6.12-MariaDB' }),
    (err: unknown) => {
      assert.ok(err instanceof RestoreServerVersionError);
      assert.equal(err.terminal, true);
      assert.match(
        err.message,
        /mariadb 10\.6\.12-MariaDB; this restore host runs mariadb 10\.11\.19-MariaDB-0\+deb12u1, 11\.8\.9-MariaDB-4/,
      );
      assert.match(err.hint ?? '', /runs mariadb 10\.6\.x \(restoreHost\.servers/);
      return true;
    },
  );
  assert.throws(() => serverFor(FLEET_HOST, { flavor: 'mysql', serverVersion: '8.0.36' }), RestoreServerVersionError);
  assert.throws(() => serverFor(FLEET_HOST, { flavor: 'mysql', serverVersion: 'garbled' }), RestoreServerVersionError);
  assert.throws(() => serverFor([], { flavor: 'mysql', serverVersion: null }), /runs no mysql server/);
});

const mysqldHere = existsSync(toolchain().mysqld);

test("the local provisioner compares the manifest version with its own mysqld's and provisions nothing when they differ", {
  skip: !mysqldHere && 'no mysqld on this host',
}, async () => {
  const root = mkdtempSync(join(tmpdir(), 'pitr-provisioner-'));
  try {
    const own = await defaultServerBinaries('mysql');
    const provisioner = new LocalProcessProvisioner(root, [own]);
    await assert.rejects(
      provisioner.provision('r-old', { flavor: 'mysql', serverVersion: own.version.startsWith('8.0.') ? '5.7.44' : '8.0.36' }),
      RestoreServerVersionError,
    );
    assert.equal(existsSync(provisioner.siteOf('r-old', 'mysql').binlogDir), false, 'a refused restore provisions nothing');
    const site = await provisioner.provision('r-same', { flavor: 'mysql', serverVersion: own.version });
    assert.equal(existsSync(site.binlogDir), true);
    assert.deepEqual(site.server, own);
    await provisioner.release('r-same', 'mysql');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
