import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, test } from 'node:test';
import { UUID_A, UUID_B } from './arbitraries';

const cli = resolve(__dirname, '../../../client/cli.js');

function pitr(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [cli, ...args], (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

// Each run loads the whole CLI (about half a second), so the runs overlap.
describe('pitr gtid', { concurrency: true }, () => {
  test('pitr gtid union prints the canonical MySQL set', async () => {
    const result = await pitr('gtid', 'union', `${UUID_B}:1-5,\n${UUID_A}:9`, `${UUID_B.toUpperCase()}:6-8:Billing:1`);
    assert.deepEqual(result, { code: 0, stdout: `${UUID_A}:9,${UUID_B}:1-8:billing:1\n`, stderr: '' });
  });

  test('pitr gtid contains exits 0 when A contains B and 1 when it does not', async () => {
    const [contained, notContained] = await Promise.all([
      pitr('gtid', 'contains', `${UUID_B}:1-10`, `${UUID_B}:3-4`),
      pitr('gtid', 'contains', `${UUID_B}:1-10`, `${UUID_B}:11`),
    ]);
    assert.deepEqual(contained, { code: 0, stdout: 'true\n', stderr: '' });
    assert.deepEqual(notContained, { code: 1, stdout: 'false\n', stderr: '' });
  });

  test('pitr gtid refuses a malformed MySQL set with exit code 2 and the bad part', async () => {
    const result = await pitr('gtid', 'normalize', `${UUID_B}:5-3`);
    assert.equal(result.code, 2);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /invalid GTID set at position 37: interval "5-3" has its end before its start/);
    assert.match(result.stderr, /what to do:/);
  });

  test('pitr gtid --flavor mariadb subtracts positions domain by domain', async () => {
    const result = await pitr('gtid', 'subtract', '--flavor', 'mariadb', '1-2-7,0-1-10', '0-1-5,1-2-7');
    assert.deepEqual(result, { code: 0, stdout: '0-1-10\n', stderr: '' });
  });

  test('pitr gtid --flavor mariadb reads a binlog state as the position it stands for', async () => {
    // A Gtid list as `pitr binlog inspect` prints it after a failover: two server ids in domain 0.
    const [normalized, contains] = await Promise.all([
      pitr('gtid', 'normalize', '--flavor', 'mariadb', '0-2-150,2-11-5,0-1-160'),
      pitr('gtid', 'contains', '--flavor', 'mariadb', '0-2-150,0-1-160', '0-1-155'),
    ]);
    assert.deepEqual(normalized, { code: 0, stdout: '0-1-160,2-11-5\n', stderr: '' });
    assert.deepEqual(contains, { code: 0, stdout: 'true\n', stderr: '' });
  });

  test('pitr gtid --flavor mariadb refuses malformed text with exit code 2 and the bad part', async () => {
    const result = await pitr('gtid', 'contains', '--flavor', 'mariadb', '0-1-5,0-2-0', '0-1-1');
    assert.equal(result.code, 2);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /invalid MariaDB GTID list at position 6: sequence number 0 in "0-2-0"/);
  });

  test('pitr gtid intersect keeps what all three operands hold', async () => {
    const result = await pitr('gtid', 'intersect', `${UUID_A}:1-10,${UUID_B}:1-5`, `${UUID_A}:3-20:billing:1`, `${UUID_A}:1-4:8-9`);
    assert.deepEqual(result, { code: 0, stdout: `${UUID_A}:3-4:8-9\n`, stderr: '' });
  });

  test('pitr gtid normalize reads multi-line, upper-case text of either flavor', async () => {
    const [mysql, mariadb] = await Promise.all([
      pitr(
        'gtid',
        'normalize',
        '--flavor',
        'mysql',
        `${UUID_B.toUpperCase()}:6-9:1-5,\n${UUID_A.toUpperCase()}:BILLING:3:1-2,\n${UUID_A}:7\n`,
      ),
      pitr('gtid', 'normalize', '--flavor', 'mariadb', '1-2-7,\n0-11-2151\n'),
    ]);
    assert.deepEqual(mysql, { code: 0, stdout: `${UUID_A}:7:billing:1-3,${UUID_B}:1-9\n`, stderr: '' });
    assert.deepEqual(mariadb, { code: 0, stdout: '0-11-2151,1-2-7\n', stderr: '' });
  });

  test('pitr gtid usage errors exit 2, never 1 (which contains uses for "not contained")', async () => {
    const result = await pitr('gtid', 'contains', `${UUID_B}:1`);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /missing required argument 'b'/);
  });
});
