import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { clientOptionFile, withDefaultsFile } from '../../../adapters/engines/defaults-file';

const run = promisify(execFile);

/** What the client library reads from the file, as `my_print_defaults` (from mariadb-client) prints it. */
async function parsedOptions(file: string): Promise<string> {
  const { stdout } = await run('my_print_defaults', [`--defaults-file=${file}`, 'client']);
  return stdout;
}

test('credentials with quotes, backslashes, spaces, # and line breaks reach the client unchanged', async () => {
  const password = 'p "w\\d #1\nend\t ';
  const db = { host: '127.0.0.1', port: 3306, user: 'back up', password, socket: '/run/my sql.sock' };
  await withDefaultsFile(db, async (file) => {
    assert.equal(statSync(file).mode & 0o777, 0o600, 'only the owner may read the credentials');
    const expected = ['--user=back up', `--password=${password}`, '--host=localhost', '--socket=/run/my sql.sock'];
    assert.equal(await parsedOptions(file), `${expected.join('\n')}\n`);
  });
});

test('without a socket the tools connect over TCP to host and port', () => {
  const text = clientOptionFile({ host: 'db1.internal', port: 3307, user: 'u', password: '' });
  assert.match(text, /^host="db1\.internal"$/m);
  assert.match(text, /^port=3307$/m);
  assert.match(text, /^protocol=TCP$/m);
});

test('the option file is removed afterwards, also when the tool fails', async () => {
  let seen = '';
  await assert.rejects(
    withDefaultsFile({ host: 'h', port: 1, user: 'u', password: 'p' }, async (file) => {
      seen = file;
      throw new Error('tool failed');
    }),
    /tool failed/,
  );
  assert.ok(seen !== '' && !existsSync(seen));
});

test("TLS over TCP speaks each flavor's own option names: MySQL's ssl-mode, MariaDB's ssl and ssl-verify-server-cert", () => {
  const tcp = { host: 'db1', port: 3306, user: 'u', password: 'p' };
  const mysql = clientOptionFile({ ...tcp, tls: { flavor: 'mysql', caFile: '/ca.pem', verifyIdentity: true } });
  assert.match(mysql, /^ssl-mode=VERIFY_IDENTITY$/m);
  assert.match(mysql, /^ssl-ca=\/ca\.pem$/m);
  assert.match(clientOptionFile({ ...tcp, tls: { flavor: 'mysql', caFile: '/ca.pem', verifyIdentity: false } }), /^ssl-mode=VERIFY_CA$/m);
  assert.match(clientOptionFile({ ...tcp, tls: { flavor: 'mysql', verifyIdentity: true } }), /^ssl-mode=REQUIRED$/m);
  const mariadb = clientOptionFile({
    ...tcp,
    tls: { flavor: 'mariadb', caFile: '/ca.pem', certFile: '/c.pem', keyFile: '/k.pem', verifyIdentity: true },
  });
  assert.doesNotMatch(mariadb, /ssl-mode/);
  assert.deepEqual(
    mariadb.split('\n').filter((l) => l.startsWith('ssl')),
    ['ssl', 'ssl-ca=/ca.pem', 'ssl-cert=/c.pem', 'ssl-key=/k.pem', 'ssl-verify-server-cert'],
  );
  assert.doesNotMatch(
    clientOptionFile({ ...tcp, socket: '/s.sock', tls: { flavor: 'mysql', verifyIdentity: true } }),
    /ssl/,
    'a socket needs no TLS',
  );
});
