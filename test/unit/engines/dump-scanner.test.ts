import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import fc from 'fast-check';
import { DumpLineScanner, DumpTap, type DumpFindings } from '../../../adapters/engines/dump-scanner';

const MYSQL_DUMP = [
  '-- MySQL dump 10.13  Distrib 9.7.4, for Linux (x86_64)',
  'SET @@SESSION.SQL_LOG_BIN= 0;',
  '--',
  '-- GTID state at the beginning of the backup ',
  '--',
  '',
  "SET @@GLOBAL.GTID_PURGED=/*!80000 '+'*/ '4bdc9e0f-ea3c-11f1-8c18-02fc00000001:1-3,",
  "aaaaaaaa-bbbb-cccc-dddd-000000000001:1-812';",
  '',
  "-- CHANGE REPLICATION SOURCE TO SOURCE_LOG_FILE='binlog.000002', SOURCE_LOG_POS=98431;",
  '',
  '-- Current Database: `mysql`',
  '-- Table structure for table `user`',
  "INSERT INTO `user` VALUES ('localhost','root');",
  '-- Current Database: `app`',
  '-- Table structure for table `events`',
  `INSERT INTO \`events\` VALUES ${Array.from({ length: 400 }, (_, i) => `(${i},'-- Table structure for table \`fake\`')`).join(',')};`,
  '-- Table structure for table `odd``name`',
  '-- Temporary view structure for view `recent_events`',
  '-- Final view structure for view `recent_events`',
  '-- Current Database: `my-db`',
  '-- Table structure for table `t`',
  '-- Dump completed on 2026-11-27  8:27:24',
  '',
].join('\n');

const MARIADB_DUMP = [
  '/*M!999999\\- enable the sandbox mode */ ',
  '-- MariaDB dump 10.19  Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64)',
  '-- CHANGE MASTER TO MASTER_USE_GTID=slave_pos;',
  "-- CHANGE MASTER TO MASTER_LOG_FILE='mariadb-bin.000003', MASTER_LOG_POS=851;",
  '-- Current Database: `app`',
  '-- Table structure for table `accounts`',
  '-- Temporary table structure for view `recent_events`',
  '-- Current Database: `mysql`',
  '-- Table structure for table `gtid_slave_pos`',
  "-- SET GLOBAL gtid_slave_pos='0-12-5,7-12-930';",
  '-- Dump completed on 2026-11-27  8:27:31',
  '',
].join('\n');

async function scan(flavor: 'mysql' | 'mariadb', chunks: Buffer[]): Promise<{ findings: DumpFindings; passed: Buffer; bytes: number }> {
  const scanner = new DumpLineScanner(flavor);
  let reported = 0;
  const tap = new DumpTap(scanner, (bytes) => (reported = bytes));
  const sink = new PassThrough();
  const received: Buffer[] = [];
  sink.on('data', (c: Buffer) => received.push(c));
  const feed = new PassThrough();
  const done = pipeline(feed, tap, sink);
  for (const chunk of chunks) feed.write(chunk);
  feed.end();
  await done;
  return { findings: scanner.result(), passed: Buffer.concat(received), bytes: reported };
}

function splitAt(buffer: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (buffer.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const p of points) {
    chunks.push(buffer.subarray(from, p));
    from = p;
  }
  chunks.push(buffer.subarray(from));
  return chunks.filter((c) => c.length > 0);
}

test('mysqldump: the coordinate is its GTID_PURGED set (spanning lines) and CHANGE REPLICATION SOURCE comment', async () => {
  const { findings, passed, bytes } = await scan('mysql', [Buffer.from(MYSQL_DUMP)]);
  assert.deepEqual(findings, {
    gtid: '4bdc9e0f-ea3c-11f1-8c18-02fc00000001:1-3,aaaaaaaa-bbbb-cccc-dddd-000000000001:1-812',
    binlogFile: 'binlog.000002',
    binlogPosition: 98431,
    tables: ['app.events', 'app.odd`name', 'my-db.t'],
    completed: true,
  });
  assert.equal(passed.toString(), MYSQL_DUMP, 'the tap passes the dump through unchanged');
  assert.equal(bytes, Buffer.byteLength(MYSQL_DUMP));
});

test('mariadb-dump: the coordinate is its CHANGE MASTER TO and gtid_slave_pos comments; system tables are not user tables', async () => {
  const { findings } = await scan('mariadb', [Buffer.from(MARIADB_DUMP)]);
  assert.deepEqual(findings, {
    gtid: '0-12-5,7-12-930',
    binlogFile: 'mariadb-bin.000003',
    binlogPosition: 851,
    tables: ['app.accounts'],
    completed: true,
  });
});

test('a dump cut short has no completion mark and no coordinate past the cut', async () => {
  const cut = MYSQL_DUMP.indexOf('-- CHANGE REPLICATION');
  const { findings } = await scan('mysql', [Buffer.from(MYSQL_DUMP.slice(0, cut))]);
  assert.equal(findings.completed, false);
  assert.equal(findings.binlogFile, undefined);
});

test('what the scanner finds does not depend on where the stream is split into chunks', async () => {
  const whole = Buffer.from(MYSQL_DUMP);
  const expected = (await scan('mysql', [whole])).findings;
  await fc.assert(
    fc.asyncProperty(fc.array(fc.nat(), { maxLength: 40 }), async (cuts) => {
      const { findings, passed } = await scan('mysql', splitAt(whole, cuts));
      assert.deepEqual(findings, expected);
      assert.ok(passed.equals(whole));
    }),
    { numRuns: 60 },
  );
});
