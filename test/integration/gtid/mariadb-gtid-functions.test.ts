import assert from 'node:assert/strict';
import { before, after, test } from 'node:test';
import fc from 'fast-check';
import { createConnection, type Connection, type RowDataPacket } from 'mysql2/promise';
import { MariadbGtidConflictError, MariadbGtidPosition } from '../../../domain/gtid';
import { freshDbInstance } from '../../harness/instances';

const SERVER_ID = 7;

// Its own server, started at file level so it lives through every test: the tests reset the
// binlog and set the replica position. Without strict mode, because it refuses a gtid_slave_pos
// behind this server's own binlog GTIDs, which is exactly what gtid_current_pos has to settle;
// the derivation does not depend on the mode.
const serverReady = freshDbInstance('mariadb', { serverId: SERVER_ID, extraArgs: ['--gtid-strict-mode=OFF'] });

let conn: Connection;

before(async () => {
  const server = await serverReady;
  conn = await createConnection({ host: server.host, port: server.port, user: server.user, password: server.password });
  await conn.query('CREATE DATABASE gtid_it');
  await conn.query('CREATE TABLE gtid_it.t (id INT AUTO_INCREMENT PRIMARY KEY, note VARCHAR(20))');
});

after(async () => {
  await conn?.end();
});

async function one(sql: string, params: unknown[] = []): Promise<string> {
  const [[row]] = await conn.query<RowDataPacket[]>(sql, params);
  return String(Object.values(row ?? {})[0]);
}

async function positions(): Promise<{ binlog: MariadbGtidPosition; slave: MariadbGtidPosition; current: MariadbGtidPosition }> {
  const [[row]] = await conn.query<RowDataPacket[]>(
    'SELECT @@GLOBAL.gtid_binlog_pos AS binlog, @@GLOBAL.gtid_slave_pos AS slave, @@GLOBAL.gtid_current_pos AS current',
  );
  return {
    binlog: MariadbGtidPosition.parse(String(row?.binlog)),
    slave: MariadbGtidPosition.parse(String(row?.slave)),
    current: MariadbGtidPosition.parse(String(row?.current)),
  };
}

async function write(domain: number, serverId: number, count: number): Promise<void> {
  await conn.query('SET SESSION gtid_domain_id = ?, SESSION server_id = ?', [domain, serverId]);
  for (let i = 0; i < count; i++) await conn.query("INSERT INTO gtid_it.t (note) VALUES ('x')");
  await conn.query('SET SESSION gtid_domain_id = @@GLOBAL.gtid_domain_id, SESSION server_id = @@GLOBAL.server_id');
}

/** Positions over a few domains and server ids, with sequence numbers that often meet. */
const position = fc
  .uniqueArray(fc.record({ domain: fc.integer({ min: 0, max: 3 }), server: fc.integer({ min: 1, max: 3 }), seq: fc.bigInt(1n, 12n) }), {
    selector: (g) => g.domain,
    maxLength: 4,
  })
  .map((gtids) => gtids.map(({ domain, server, seq }) => `${domain}-${server}-${seq}`).join(','));

test("contains agrees with MASTER_GTID_WAIT(pos, 0) on MariaDB 10.11, and refuses what the server would call reached by another server's twin", async () => {
  let compared = 0;
  let conflicts = 0;
  await fc.assert(
    fc.asyncProperty(position, position, async (replica, target) => {
      await conn.query('SET GLOBAL gtid_slave_pos = ?', [replica]);
      const reached = (await one('SELECT MASTER_GTID_WAIT(?, 0)', [target])) === '0';
      const [have, want] = [MariadbGtidPosition.parse(replica), MariadbGtidPosition.parse(target)];
      let modelled: boolean;
      try {
        modelled = have.contains(want);
      } catch (err) {
        // Same domain and sequence number from two servers: MariaDB compares only sequence
        // numbers and counts the domain as reached; the model will not call two different
        // transactions the same. The server's answer is then that of sequence numbers alone.
        assert.ok(err instanceof MariadbGtidConflictError, String(err));
        assert.equal(
          reached,
          want.gtids().every((w) => (have.get(w.domain)?.seq ?? 0n) >= w.seq),
        );
        conflicts++;
        return;
      }
      compared++;
      assert.equal(modelled, reached, `gtid_slave_pos ${replica}, MASTER_GTID_WAIT('${target}', 0)`);
    }),
    { numRuns: 150 },
  );
  assert.ok(compared > 100 && conflicts > 0, `${compared} compared, ${conflicts} conflicts`);
  await conn.query("SET GLOBAL gtid_slave_pos = ''");
});

test('currentPos derives gtid_current_pos from gtid_binlog_pos, gtid_slave_pos and server_id as MariaDB 10.11 does', async () => {
  const check = async (step: string): Promise<void> => {
    const { binlog, slave, current } = await positions();
    assert.equal(MariadbGtidPosition.currentPos(binlog, slave, SERVER_ID).toString(), current.toString(), step);
  };
  await check('written by this server only');
  await conn.query("SET GLOBAL gtid_slave_pos = '0-9-40,1-9-3'");
  await check('replica position ahead in domain 0 and alone in domain 1');
  await write(2, SERVER_ID + 1, 2);
  await check('domain 2 logged under another server id');
  await write(0, SERVER_ID, 50);
  await check('this server writes past the replica position in domain 0');
  await write(1, SERVER_ID + 1, 5);
  await check('another server id passes the replica position in domain 1');
  await conn.query("SET GLOBAL gtid_slave_pos = '0-9-500'");
  await check('replica position moved ahead again');
  const { current } = await positions();
  assert.ok(
    current.get(2) === undefined && current.get(1) === undefined,
    'the domains only another server id wrote are not in gtid_current_pos',
  );
  await conn.query("SET GLOBAL gtid_slave_pos = ''");
});

test("a binlog state lists each domain's most recent GTID last, and ofBinlogState reads it as gtid_binlog_pos", async () => {
  await conn.query('RESET MASTER');
  await conn.query("SET GLOBAL gtid_binlog_state = '0-1-160,1-1-3,0-2-150'");
  const state = await one('SELECT @@GLOBAL.gtid_binlog_state');
  assert.throws(() => MariadbGtidPosition.parse(state), /domain 0 appears twice/);
  assert.equal(MariadbGtidPosition.ofBinlogState(state).toString(), '0-2-150,1-1-3');
  assert.equal(MariadbGtidPosition.parse(await one('SELECT @@GLOBAL.gtid_binlog_pos')).toString(), '0-2-150,1-1-3');
  await write(0, SERVER_ID, 1);
  const afterWrite = await one('SELECT @@GLOBAL.gtid_binlog_state');
  assert.equal(
    MariadbGtidPosition.ofBinlogState(afterWrite).toString(),
    MariadbGtidPosition.parse(await one('SELECT @@GLOBAL.gtid_binlog_pos')).toString(),
  );
  assert.equal(MariadbGtidPosition.ofBinlogState(afterWrite).get(0)?.server, SERVER_ID);
});
