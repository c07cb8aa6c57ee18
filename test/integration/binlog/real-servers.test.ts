import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createConnection, type RowDataPacket } from 'mysql2/promise';
import { toolchain } from '../../../adapters/servers/toolchain';
import { MariadbGtidPosition, MysqlGtidSet } from '../../../domain/gtid';
import { binlogFileSource, indexBinlog } from '../../../domain/binlog/reader';
import { freshDbInstance } from '../../harness/instances';
import { binlogLocation } from '../../harness/binlog-location';
import { toolView } from '../../harness/binlog-tool-view';
import { writeOtherDomainAndServer, writeWorkload } from './workload';

/** Gtid list entries stably sorted by domain: the order within each domain says which GTID is the domain's last. */
function groupedByDomain(gtidList: string): string {
  return gtidList
    .split(',')
    .sort((a, b) => Number(a.split('-')[0]) - Number(b.split('-')[0]))
    .join(',');
}

for (const flavor of ['mysql', 'mariadb'] as const) {
  describe(`binlog reader on binlogs written by the real ${flavor === 'mysql' ? 'MySQL 9.7' : 'MariaDB 10.11'} server`, () => {
    it("agrees with the server's own decoder GTID by GTID and offset by offset, with and without checksums", async () => {
      const server = await freshDbInstance(flavor);
      const conn = await createConnection({ host: '127.0.0.1', port: server.port, user: 'root', multipleStatements: true });
      const tool = flavor === 'mysql' ? toolchain().mysqlbinlog : toolchain().mariadbBinlog;
      try {
        await conn.query('FLUSH BINARY LOGS');
        const { dir, current: first } = await binlogLocation(conn);
        await writeWorkload(conn, flavor, 1);
        await conn.query('FLUSH BINARY LOGS');
        await writeWorkload(conn, flavor, 2);
        if (flavor === 'mariadb') await writeOtherDomainAndServer(conn, 2);
        // Changing binlog_checksum rotates the binlog by itself.
        await conn.query('SET GLOBAL binlog_checksum = NONE');
        await writeWorkload(conn, flavor, 3);
        await conn.query('SET GLOBAL binlog_checksum = CRC32');
        const { current: active } = await binlogLocation(conn);
        const [logs] = await conn.query<RowDataPacket[]>('SHOW BINARY LOGS');
        const names = logs.map((row) => String(row.Log_name));
        const closed = names.slice(names.indexOf(first), names.indexOf(active));
        assert.equal(closed.length, 3);

        const summaries = [];
        const views = [];
        for (const name of closed) {
          const file = join(dir, name);
          const { summary, transactions } = await indexBinlog(binlogFileSource(file), { name });
          const view = await toolView(tool, file, flavor);
          assert.deepEqual(
            transactions.map((t) => ({ gtid: t.gtid, start: t.start, end: t.end, commitMicros: t.commitTime.micros })),
            view.transactions.map(({ gtid, start, end, commitMicros }) => ({ gtid, start, end, commitMicros })),
            `${name}: transactions`,
          );
          for (const t of view.transactions) {
            if (t.declaredLength !== undefined) assert.equal(t.end - t.start, t.declaredLength, `${name}: ${t.gtid} transaction_length`);
          }
          assert.equal(summary.events, view.events.length, `${name}: events`);
          assert.equal(summary.bytes, statSync(file).size);
          assert.equal(summary.rotateTo, view.rotateTo);
          assert.equal(summary.closed, true);
          assert.equal(summary.checksum, view.checksummed ? 'crc32' : 'none');
          assert.equal(summary.firstEventTime?.micros, view.events[0]!.seconds * 1_000_000);
          assert.equal(summary.lastEventTime?.micros, view.events[view.events.length - 1]!.seconds * 1_000_000);
          if (flavor === 'mysql') {
            assert.equal(summary.previousGtids, MysqlGtidSet.parse(view.previousGtids).toString(), `${name}: previous GTIDs`);
          } else {
            // mariadb-binlog prints the list grouped by domain; within a domain both keep the event's order.
            assert.equal(groupedByDomain(summary.previousGtids), groupedByDomain(view.previousGtids), `${name}: Gtid list`);
          }
          summaries.push(summary);
          views.push(view);
        }
        assert.deepEqual(
          summaries.map((s) => s.checksum),
          ['crc32', 'crc32', 'none'],
        );
        // 3 DDL, 10 autocommit, 5 multi-statement, savepoint, MyISAM, XA prepare and commit, 10,000 rows,
        // ALTER, and on MySQL a tagged and a compressed one; the rolled-back transaction leaves nothing.
        assert.equal(summaries[0]!.transactions, flavor === 'mysql' ? 26 : 24);

        // Each file continues where the previous one ended, and the last one ends where the server is.
        const after = await indexBinlog(binlogFileSource(join(dir, active)));
        assert.equal(after.summary.closed, false);
        assert.equal(after.summary.rotateTo, null);
        if (flavor === 'mysql') {
          const chain = [...summaries, after.summary];
          for (let i = 0; i + 1 < chain.length; i++) {
            const reached = MysqlGtidSet.parse(chain[i]!.previousGtids).union(MysqlGtidSet.parse(chain[i]!.gtids));
            assert.equal(reached.toString(), chain[i + 1]!.previousGtids);
            assert.equal(chain[i]!.endPosition, chain[i + 1]!.previousGtids);
          }
          const [[executed]] = await conn.query<RowDataPacket[]>('SELECT @@GLOBAL.gtid_executed AS gtids');
          assert.equal(after.summary.previousGtids, MysqlGtidSet.parse(String(executed?.gtids)).toString());
          assert.ok(
            summaries.some((s) => s.gtids.includes(':binlog_it:')),
            'the tagged GTIDs are read',
          );
        } else {
          // The second file holds two domains and, in domain 0, a stretch by another server id:
          // gtids names exactly those transactions, run by run, in history order.
          const [[ids]] = await conn.query<RowDataPacket[]>('SELECT @@GLOBAL.server_id AS id');
          const own = Number(ids?.id);
          const inDomain0 = views[1]!.transactions.map((t) => t.gtid).filter((gtid) => gtid.startsWith('0-'));
          const first = BigInt(inDomain0[0]!.split('-')[2]!);
          const last = BigInt(inDomain0[inDomain0.length - 1]!.split('-')[2]!);
          assert.equal(
            summaries[1]!.gtids,
            `0-${own}-${first}..${last - 3n},0-${own + 1}-${last - 2n}..${last - 1n},0-${own}-${last},1-${own}-1..3`,
          );
          // Each file ends where the next one's Gtid list says the server stood.
          const chain = [...summaries, after.summary];
          for (let i = 0; i + 1 < chain.length; i++) {
            assert.equal(chain[i]!.endPosition, MariadbGtidPosition.ofBinlogState(chain[i + 1]!.previousGtids).toString());
          }
          const [[server]] = await conn.query<RowDataPacket[]>(
            'SELECT @@GLOBAL.gtid_binlog_pos AS pos, @@GLOBAL.gtid_binlog_state AS state',
          );
          const binlogState = String(server?.state);
          assert.equal(after.summary.endPosition, MariadbGtidPosition.parse(String(server?.pos)).toString());
          // The state names both server ids of domain 0: it is not a position, but it stands for one.
          assert.throws(() => MariadbGtidPosition.parse(binlogState), /domain 0 appears twice/);
          assert.equal(MariadbGtidPosition.ofBinlogState(binlogState).toString(), after.summary.endPosition);
          const entries = (text: string): string[] =>
            text
              .split(',')
              .map((e) => e.trim())
              .sort();
          assert.deepEqual(entries(after.summary.previousGtids), entries(binlogState));
        }
      } finally {
        await conn.end();
      }
    });
  });
}
