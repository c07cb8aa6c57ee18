import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { join } from 'node:path';
import { binlogFileSource, indexBinlog } from '../../../domain/binlog/reader';
import { formatBinlogTime } from '../../../domain/binlog/time-format';
import { MariadbGtidPosition, MysqlGtidSet } from '../../../domain/gtid';
import { expectedFixtures, FIXTURE_DIR, fixtureOf } from '../../fixtures/binlogs/expected';
import { FOREIGN_GTID } from '../../fixtures/binlogs/workloads';
import { eventPositions, fixtureBytes, nextOwnGtid } from './binlog-fixtures';

describe('binlog reader on the real fixture binlogs', () => {
  for (const [name, expected] of expectedFixtures()) {
    it(`reads ${name} as the server's own decoder does`, async () => {
      const { summary, transactions } = await indexBinlog(binlogFileSource(join(FIXTURE_DIR, name)), { name });
      assert.equal(summary.flavor, expected.flavor);
      assert.equal(summary.previousGtids, expected.previousGtids);
      assert.equal(summary.transactions, expected.transactions);
      assert.equal(transactions.length, expected.transactions);
      assert.equal(summary.checksum, 'crc32');
      assert.equal(summary.closed, true);
      assert.match(summary.rotateTo ?? '', /\.0+\d+$/);
      assert.equal(summary.bytes, fixtureBytes(name).length);
      assert.equal(summary.unfinishedTransactionAt, null);
      if (expected.flavor === 'mysql') {
        assert.equal(summary.gtids, expected.gtids);
        assert.equal(summary.endPosition, MysqlGtidSet.parse(expected.previousGtids).union(MysqlGtidSet.parse(expected.gtids!)).toString());
        assert.equal(formatBinlogTime(summary.firstCommitTime!), expected.firstCommitTime);
        assert.equal(formatBinlogTime(summary.lastCommitTime!), expected.lastCommitTime);
      } else {
        // The file holds one domain, so its transactions run from the first GTID to the domain's last.
        assert.equal(summary.gtids, `${expected.firstGtid}..${expected.lastGtidPerDomain!.split('-')[2]}`);
        assert.equal(summary.firstGtid, expected.firstGtid);
        assert.equal(
          summary.endPosition,
          MariadbGtidPosition.ofBinlogState(expected.previousGtids)
            .union(MariadbGtidPosition.parse(expected.lastGtidPerDomain!))
            .toString(),
        );
        assert.equal(formatBinlogTime(summary.firstEventTime!), `${expected.firstEventSecond}Z`);
        assert.equal(formatBinlogTime(summary.lastEventTime!), `${expected.lastEventSecond}Z`);
      }
    });

    it(`locates every transaction of ${name} on event boundaries, back to back`, async () => {
      const bytes = fixtureBytes(name);
      const events = eventPositions(bytes);
      const starts = new Set(events.map((e) => e.offset));
      const { summary, transactions } = await indexBinlog(binlogFileSource(join(FIXTURE_DIR, name)));
      assert.equal(summary.events, events.length);
      for (const [i, trx] of transactions.entries()) {
        assert.ok(starts.has(trx.start), `transaction ${trx.gtid} starts on an event`);
        assert.ok(starts.has(trx.end), `transaction ${trx.gtid} ends where an event starts`);
        const gtidType = bytes[trx.start + 4];
        assert.ok(gtidType === 33 || gtidType === 42 || gtidType === 162, `transaction ${trx.gtid} starts with a GTID event`);
        if (i > 0) assert.equal(trx.start, transactions[i - 1]!.end);
      }
      // After the last transaction only the closing Rotate remains.
      const last = events[events.length - 1]!;
      assert.equal(transactions[transactions.length - 1]!.end, last.offset);
      assert.equal(last.type, 4);
    });
  }

  it('decodes the tagged Previous-GTIDs and both source UUIDs of the MySQL ledger binlog', async () => {
    const { name, expected } = fixtureOf('mysql', 'ledger');
    assert.match(expected.previousGtids, /^[0-9a-f-]{36}:1-\d+:billing:1-5$/);
    const { summary, transactions } = await indexBinlog(binlogFileSource(join(FIXTURE_DIR, name)));
    assert.equal(summary.previousGtids, expected.previousGtids);
    const foreign = transactions.filter((t) => t.gtid?.startsWith('11111111-'));
    assert.deepEqual(
      foreign.map((t) => t.gtid),
      [FOREIGN_GTID],
    );
    // DDL is a transaction of its own, ending at its Query event: after Format_description and
    // Previous-GTIDs, CREATE DATABASE and CREATE TABLE are a GTID and a Query event each.
    const events = eventPositions(fixtureBytes(name));
    assert.deepEqual(
      events.slice(2, 6).map((e) => e.type),
      [33, 2, 33, 2],
    );
    const { source, gno } = nextOwnGtid(expected.previousGtids);
    assert.deepEqual(
      transactions.slice(0, 2).map((t) => [t.gtid, t.start, t.end]),
      [
        [`${source}:${gno}`, events[2]!.offset, events[4]!.offset],
        [`${source}:${gno + 1n}`, events[4]!.offset, events[6]!.offset],
      ],
    );
  });

  for (const release of ['10.11', '11.8']) {
    it(`keeps MariaDB ${release} standalone DDL groups and XID-terminated transactions apart`, async () => {
      const { name, expected } = fixtureOf('mariadb', 'ledger', release);
      assert.match(expected.previousGtids, /^0-\d+-\d+,2-\d+-5$/);
      const events = eventPositions(fixtureBytes(name));
      // CREATE DATABASE and CREATE TABLE are a GTID and a Query event each; the first transfer ends at its Xid event.
      const ddl = events.findIndex((e) => e.type === 162);
      assert.deepEqual(
        events.slice(ddl, ddl + 5).map((e) => e.type),
        [162, 2, 162, 2, 162],
      );
      const xid = events.findIndex((e, i) => i > ddl + 4 && e.type === 16);
      assert.equal(events[xid + 1]!.type, 162);
      const [domain, server, seq] = expected.firstGtid!.split('-');
      const gtid = (n: number): string => `${domain}-${server}-${BigInt(seq!) + BigInt(n)}`;
      const { transactions } = await indexBinlog(binlogFileSource(join(FIXTURE_DIR, name)));
      assert.deepEqual(
        transactions.slice(0, 3).map((t) => [t.gtid, t.start, t.end, t.commitTime.micros]),
        [
          [gtid(0), events[ddl]!.offset, events[ddl + 2]!.offset, events[ddl + 1]!.seconds * 1_000_000],
          [gtid(1), events[ddl + 2]!.offset, events[ddl + 4]!.offset, events[ddl + 3]!.seconds * 1_000_000],
          [gtid(2), events[ddl + 4]!.offset, events[xid + 1]!.offset, events[xid]!.seconds * 1_000_000],
        ],
      );
    });
  }

  it('reads the events MariaDB 11.8 wrote from a transaction cache, whose headers say they end at 0', async () => {
    const { name, expected } = fixtureOf('mariadb', 'ledger', '11.8');
    const bytes = fixtureBytes(name);
    const events = eventPositions(bytes);
    const endingAtZero = events.filter((e) => bytes.readUInt32LE(e.offset + 13) === 0);
    // Annotate_rows, Table_map and Write_rows of both entries of each of the 300 transfers.
    assert.deepEqual([...new Set(endingAtZero.map((e) => e.type))], [160, 19, 23]);
    assert.equal(endingAtZero.length, 300 * 2 * 3);
    const { summary, transactions } = await indexBinlog(binlogFileSource(join(FIXTURE_DIR, name)));
    assert.equal(summary.events, events.length);
    assert.equal(transactions.length, expected.transactions);
    for (const event of endingAtZero) {
      assert.ok(
        transactions.some((t) => t.start < event.offset && event.offset < t.end),
        `the event at ${event.offset} lies inside a transaction`,
      );
    }
  });
});
