import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createConnection, RowDataPacket } from 'mysql2/promise';
import { toolchain } from '../../../activities/local/toolchain';
import { MariadbGtidPosition, MysqlGtidSet } from '../../../domain/gtid';
import { binlogFileSource, indexBinlog } from '../../../domain/binlog/reader';
import { freshDbInstance } from '../../harness/instances';
import { toolView } from './tool-view';
import { binlogLocation, writeWorkload } from './workload';

for (const flavor of ['mysql', 'mariadb'] as const) {
  describe(`binlog reader on binlogs written by the real ${flavor === 'mysql' ? 'MySQL 9.7' : 'MariaDB 10.11'} server`, () => {
    it('agrees with the server\'s own decoder GTID by GTID and offset by offset, with and without checksums', async () => {
      const server = await freshDbInstance(flavor);
      const conn = await createConnection({ host: '127.0.0.1', port: server.port, user: 'root', multipleStatements: true });
      const tool = flavor === 'mysql' ? toolchain().mysqlbinlog : toolchain().mariadbBinlog;
      try {
        await conn.query('FLUSH BINARY LOGS');
        const { dir, current: first } = await binlogLocation(conn);
        await writeWorkload(conn, flavor, 1);
        await conn.query('FLUSH BINARY LOGS');
        await writeWorkload(conn, flavor, 2);
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
            assert.equal(summary.previousGtids, view.previousGtids, `${name}: Gtid list`);
          }
          summaries.push(summary);
        }
        assert.deepEqual(summaries.map((s) => s.checksum), ['crc32', 'crc32', 'none']);
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
          }
          const [[executed]] = await conn.query<RowDataPacket[]>('SELECT @@GLOBAL.gtid_executed AS gtids');
          assert.equal(after.summary.previousGtids, MysqlGtidSet.parse(String(executed?.gtids)).toString());
          assert.ok(summaries.some((s) => s.gtids.includes(':binlog_it:')), 'the tagged GTIDs are read');
        } else {
          let position = MariadbGtidPosition.parse(summaries[0]!.previousGtids);
          for (const s of summaries) position = position.union(MariadbGtidPosition.parse(s.gtids));
          const [[state]] = await conn.query<RowDataPacket[]>('SELECT @@GLOBAL.gtid_binlog_pos AS pos');
          assert.equal(position.toString(), MariadbGtidPosition.parse(String(state?.pos)).toString());
        }
      } finally {
        await conn.end();
      }
    });
  });
}
