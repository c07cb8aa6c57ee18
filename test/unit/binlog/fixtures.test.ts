import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { join } from 'node:path';
import { binlogFileSource, indexBinlog } from '../../../domain/binlog/reader';
import { formatBinlogTime } from '../../../domain/binlog/time-format';
import { MariadbGtidPosition, MysqlGtidSet } from '../../../domain/gtid';
import { eventPositions, expectedFixtures, FIXTURE_DIR, fixtureBytes } from './binlog-fixtures';

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
    const { transactions } = await indexBinlog(binlogFileSource(join(FIXTURE_DIR, 'mysql-9.7.4-ledger.000005')));
    const foreign = transactions.filter((t) => t.gtid?.startsWith('11111111-'));
    assert.deepEqual(
      foreign.map((t) => t.gtid),
      ['11111111-2222-3333-4444-555555555555:42'],
    );
    // DDL is a transaction of its own, ending at its Query event.
    assert.deepEqual(
      transactions.slice(0, 2).map((t) => [t.gtid, t.start, t.end]),
      [
        ['e37df7ab-e7b0-11f1-bda4-02fc00000001:2152', 247, 452],
        ['e37df7ab-e7b0-11f1-bda4-02fc00000001:2153', 452, 731],
      ],
    );
  });

  it('keeps MariaDB standalone DDL groups and XID-terminated transactions apart', async () => {
    const { transactions } = await indexBinlog(binlogFileSource(join(FIXTURE_DIR, 'mariadb-10.11.19-ledger.000005')));
    assert.deepEqual(
      transactions.slice(0, 3).map((t) => [t.gtid, t.start, t.end, formatBinlogTime(t.commitTime)]),
      [
        ['0-11-2152', 405, 552, '2026-11-24T02:59:37Z'],
        ['0-11-2153', 552, 780, '2026-11-24T02:59:37Z'],
        ['0-11-2154', 780, 1247, '2026-11-24T02:59:37Z'],
      ],
    );
  });
});
