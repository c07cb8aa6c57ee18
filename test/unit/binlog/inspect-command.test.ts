import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { MysqlGtidSet } from '../../../domain/gtid';
import { type ExpectedFixture, FIXTURE_DIR, fixtureOf } from '../../fixtures/binlogs/expected';
import { eventPositions, fixtureBytes, nextOwnGtid } from './binlog-fixtures';

const CLI = resolve(__dirname, '../../../client/cli.js');
const mysqlLedger = fixtureOf('mysql', 'ledger');
const mariadbLedger = fixtureOf('mariadb', 'ledger', '10.11');
const MYSQL = join(FIXTURE_DIR, mysqlLedger.name);
const MARIADB = join(FIXTURE_DIR, mariadbLedger.name);

/** The binlog the generator's server opened after the fixture's, `binlog.000004` after `mysql-9.7.4-ledger.000003`. */
const nextBinlog = (fixture: string): string =>
  `binlog.${String(Number(fixture.slice(fixture.lastIndexOf('.') + 1)) + 1).padStart(6, '0')}`;

/** Where the MariaDB ledger stood when its binlog ended: domain 0 at its last transaction, domain 2 where the Gtid list has it. */
const mariadbEnd = (expected: ExpectedFixture): string =>
  `${expected.lastGtidPerDomain},${expected.previousGtids.split(',').find((entry) => entry.startsWith('2-'))}`;

const isoSecond = (seconds: number): string => new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');

function pitr(...args: string[]) {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('pitr binlog inspect', () => {
  const dir = mkdtempSync(join(tmpdir(), 'binlog-inspect-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const bytes = fixtureBytes(mysqlLedger.name);
  const cutEvent = eventPositions(bytes)[500]!;
  const truncated = join(dir, 'truncated.000005');
  writeFileSync(truncated, bytes.subarray(0, cutEvent.offset + 30));

  it('prints one JSON object per file with the summary fields', () => {
    const my = mysqlLedger.expected;
    const ma = mariadbLedger.expected;
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
        release: String(mysql!.serverVersion).split('-')[0],
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
        release: mysqlLedger.name.split('-')[1],
        checksum: 'crc32',
        previousGtids: my.previousGtids,
        gtids: my.gtids,
        transactions: my.transactions,
        firstCommitTime: my.firstCommitTime,
        lastCommitTime: my.lastCommitTime,
        closed: true,
        rotateTo: nextBinlog(mysqlLedger.name),
      },
    );
    assert.equal(
      mariadb!.gtids,
      `${ma.firstGtid}..${ma.lastGtidPerDomain!.split('-')[2]}`,
      `the transactions in the file, not everything up to ${ma.lastGtidPerDomain}`,
    );
    assert.equal(mariadb!.endPosition, mariadbEnd(ma), 'domain 2 has no transaction in the file: its GTID comes from the Gtid list');
    assert.equal(mysql!.endPosition, MysqlGtidSet.parse(my.previousGtids).union(MysqlGtidSet.parse(my.gtids!)).toString());
    assert.equal(mariadb!.firstGtid, ma.firstGtid);
    assert.equal(mariadb!.previousGtids, ma.previousGtids);
    assert.equal(mariadb!.firstEventTime, `${ma.firstEventSecond}Z`);
    assert.equal(mariadb!.events, eventPositions(fixtureBytes(mariadbLedger.name)).length);
    assert.equal(mariadb!.bytes, fixtureBytes(mariadbLedger.name).length);
  });

  it('adds every transaction with --transactions', () => {
    const { code, stdout } = pitr('binlog', 'inspect', '--json', '--transactions', MYSQL);
    assert.equal(code, 0);
    const file = JSON.parse(stdout) as { transactionList: unknown[]; transactions: number };
    assert.equal(file.transactionList.length, file.transactions);
    // CREATE DATABASE, a GTID and a Query event after Format_description and Previous-GTIDs.
    const events = eventPositions(bytes);
    const { source, gno } = nextOwnGtid(mysqlLedger.expected.previousGtids);
    assert.deepEqual(file.transactionList[0], {
      gtid: `${source}:${gno}`,
      start: events[2]!.offset,
      end: events[4]!.offset,
      commitTime: mysqlLedger.expected.firstCommitTime,
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
    assert.equal(lines[0]!.transactions, mysqlLedger.expected.transactions);
    assert.equal(lines[1]!.offset, cutEvent.offset);
    assert.match(String(lines[1]!.error), new RegExp(`corrupt at offset ${cutEvent.offset}: .* runs past the end of the file`));
    assert.equal(lines[2]!.transactions, mariadbLedger.expected.transactions);
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
    const { firstGtid, lastGtidPerDomain } = mariadbLedger.expected;
    const events = eventPositions(fixtureBytes(mariadbLedger.name));
    // CREATE DATABASE: the first GTID event and its Query event.
    const first = events.findIndex((e) => e.type === 162);
    const { code, stdout } = pitr('binlog', 'inspect', '--transactions', MARIADB);
    assert.equal(code, 0);
    assert.match(stdout, /START +END +COMMIT TIME +GTID/);
    const firstRow = [events[first]!.offset, events[first + 2]!.offset, isoSecond(events[first + 1]!.seconds), firstGtid];
    assert.match(stdout, new RegExp(`\\n +${firstRow.join(' +')}\\n`));
    assert.match(stdout, new RegExp(`GTIDs +${firstGtid}\\.\\.${lastGtidPerDomain!.split('-')[2]}\\n`));
    assert.match(stdout, new RegExp(`end position +${mariadbEnd(mariadbLedger.expected)}\\n`));
    assert.match(stdout, new RegExp(`closed +yes, continues in ${nextBinlog(mariadbLedger.name).replace('.', '\\.')}`));
  });
});
