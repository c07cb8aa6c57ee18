import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { eventPositions, FIXTURE_DIR, fixtureBytes } from './binlog-fixtures';

const CLI = resolve(__dirname, '../../../client/cli.js');
const MYSQL = join(FIXTURE_DIR, 'mysql-9.7.4-ledger.000005');
const MARIADB = join(FIXTURE_DIR, 'mariadb-10.11.19-ledger.000005');

function pitr(...args: string[]) {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('pitr binlog inspect', () => {
  const dir = mkdtempSync(join(tmpdir(), 'binlog-inspect-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const bytes = fixtureBytes('mysql-9.7.4-ledger.000005');
  const cutEvent = eventPositions(bytes)[500]!;
  const truncated = join(dir, 'truncated.000005');
  writeFileSync(truncated, bytes.subarray(0, cutEvent.offset + 30));

  it('prints one JSON object per file with the summary fields', () => {
    const { code, stdout } = pitr('binlog', 'inspect', '--json', MYSQL, MARIADB);
    assert.equal(code, 0);
    const [mysql, mariadb] = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(
      {
        file: mysql!.file,
        flavor: mysql!.flavor,
        serverVersion: mysql!.serverVersion,
        checksum: mysql!.checksum,
        previousGtids: mysql!.previousGtids,
        gtids: mysql!.gtids,
        transactions: mysql!.transactions,
        firstCommitTime: mysql!.firstCommitTime,
        lastCommitTime: mysql!.lastCommitTime,
        closed: mysql!.closed,
        rotateTo: mysql!.rotateTo,
      },
      {
        file: MYSQL,
        flavor: 'mysql',
        serverVersion: '9.7.4-2',
        checksum: 'crc32',
        previousGtids: 'e37df7ab-e7b0-11f1-bda4-02fc00000001:1-2151:billing:1-5',
        gtids: '11111111-2222-3333-4444-555555555555:42,e37df7ab-e7b0-11f1-bda4-02fc00000001:2152-2453',
        transactions: 303,
        firstCommitTime: '2026-11-24T02:59:31.071258Z',
        lastCommitTime: '2026-11-24T02:59:37.300123Z',
        closed: true,
        rotateTo: 'binlog.000006',
      },
    );
    assert.equal(mariadb!.gtids, '0-11-2152..2453', 'the transactions in the file, not everything up to 0-11-2453');
    assert.equal(mariadb!.endPosition, '0-11-2453,2-11-5', 'domain 2 has no transaction in the file: its GTID comes from the Gtid list');
    assert.equal(mysql!.endPosition, '11111111-2222-3333-4444-555555555555:42,e37df7ab-e7b0-11f1-bda4-02fc00000001:1-2453:billing:1-5');
    assert.equal(mariadb!.firstGtid, '0-11-2152');
    assert.equal(mariadb!.previousGtids, '0-11-2151,2-11-5');
    assert.equal(mariadb!.firstEventTime, '2026-11-24T02:59:37Z');
    assert.equal(mariadb!.events, 2409);
    assert.equal(mariadb!.bytes, 145605);
  });

  it('adds every transaction with --transactions', () => {
    const { code, stdout } = pitr('binlog', 'inspect', '--json', '--transactions', MYSQL);
    assert.equal(code, 0);
    const file = JSON.parse(stdout) as { transactionList: unknown[]; transactions: number };
    assert.equal(file.transactionList.length, file.transactions);
    assert.deepEqual(file.transactionList[0], {
      gtid: 'e37df7ab-e7b0-11f1-bda4-02fc00000001:2152',
      start: 247,
      end: 452,
      commitTime: '2026-11-24T02:59:31.071258Z',
    });
  });

  it('exits 1 naming the offset of a truncated file, and still prints the sound ones', () => {
    const { code, stdout, stderr } = pitr('binlog', 'inspect', '--json', MYSQL, truncated, MARIADB);
    assert.equal(code, 1);
    const lines = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.equal(lines.length, 3);
    assert.equal(lines[0]!.transactions, 303);
    assert.equal(lines[1]!.offset, cutEvent.offset);
    assert.match(String(lines[1]!.error), new RegExp(`corrupt at offset ${cutEvent.offset}: .* runs past the end of the file`));
    assert.equal(lines[2]!.transactions, 302);
    assert.match(stderr, new RegExp(`binlog ${truncated} corrupt at offset ${cutEvent.offset}`));
  });

  it('closes the JSON object of a file that fails after its transactions began to stream', () => {
    const { code, stdout } = pitr('binlog', 'inspect', '--json', '--transactions', truncated);
    assert.equal(code, 1);
    const file = JSON.parse(stdout) as { transactionList: unknown[]; offset: number };
    assert.ok(file.transactionList.length > 0);
    assert.equal(file.offset, cutEvent.offset);
  });

  it('explains in its help what gtids and endPosition hold for each flavor', () => {
    const { code, stdout } = pitr('binlog', 'inspect', '--help');
    assert.equal(code, 0);
    assert.match(stdout, /gtids +exactly the transactions in the file/);
    assert.match(stdout, /domain-server-first\.\.last/);
    assert.match(stdout, /endPosition +where the server stood when the file ended/);
  });

  it('prints a readable block per file without --json', () => {
    const { code, stdout } = pitr('binlog', 'inspect', '--transactions', MARIADB);
    assert.equal(code, 0);
    assert.match(stdout, /START +END +COMMIT TIME +GTID/);
    assert.match(stdout, /\n +405 +552 +2026-11-24T02:59:37Z +0-11-2152\n/);
    assert.match(stdout, /GTIDs +0-11-2152\.\.2453\n/);
    assert.match(stdout, /end position +0-11-2453,2-11-5\n/);
    assert.match(stdout, /closed +yes, continues in mariadb-bin\.000006/);
  });
});
