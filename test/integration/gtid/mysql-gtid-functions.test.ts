import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { createConnection, type Connection, type RowDataPacket } from 'mysql2/promise';
import { GtidParseError, MAX_GNO, MysqlGtidSet } from '../../../domain/gtid';
import { testStack } from '../../harness/env';

const UUIDS = ['11111111-2222-3333-4444-555555555555', 'e37df7ab-e7b0-11f1-bda4-02fc00000001'];

/** GTID text in the spellings servers and people produce: any case, tags, unsorted, overlapping, spaced. */
const gtidText = fc
  .array(
    fc.record({
      uuid: fc.constantFrom(...UUIDS).chain((uuid) => fc.constantFrom(uuid, uuid.toUpperCase())),
      tag: fc.constantFrom('', 'billing', 'Billing', 'a_1'),
      intervals: fc.array(
        fc
          .tuple(
            fc.oneof({ weight: 9, arbitrary: fc.bigInt(1n, 40n) }, { weight: 1, arbitrary: fc.bigInt(MAX_GNO - 3n, MAX_GNO) }),
            fc.bigInt(0n, 6n),
          )
          .map(([start, length]) => (start + length > MAX_GNO ? `${start}` : `${start}-${start + length}`)),
        { minLength: 1, maxLength: 3 },
      ),
      separator: fc.constantFrom(',', ',\n', ' , '),
    }),
    { maxLength: 5 },
  )
  .map((entries) =>
    entries
      .map(
        ({ uuid, tag, intervals, separator }, i) => `${i === 0 ? '' : separator}${[uuid, ...(tag ? [tag] : []), ...intervals].join(':')}`,
      )
      .join(''),
  );

let conn: Connection;

before(async () => {
  const { mysql } = testStack();
  conn = await createConnection({ host: mysql.host, port: mysql.port, user: mysql.user, password: mysql.password });
});

after(async () => {
  await conn?.end();
});

/** MySQL puts a newline after each comma of a printed set; the canonical text keeps one line. */
const oneLine = (printed: string): string => printed.replace(/\n/g, '');

test('canonical text, union, subtract, intersect and contains agree with MySQL 9.7', async () => {
  await fc.assert(
    fc.asyncProperty(gtidText, gtidText, async (a, b) => {
      const [rows] = await conn.query<RowDataPacket[]>(
        `SELECT GTID_SUBTRACT(?, '') AS normalised,
                GTID_SUBTRACT(CONCAT(?, ',', ?), '') AS unioned,
                GTID_SUBTRACT(?, ?) AS subtracted,
                GTID_SUBTRACT(?, GTID_SUBTRACT(?, ?)) AS intersected,
                GTID_SUBSET(?, ?) AS contained`,
        [a, a, b, a, b, a, a, b, b, a],
      );
      const server = rows[0] as { normalised: string; unioned: string; subtracted: string; intersected: string; contained: number };
      const setA = MysqlGtidSet.parse(a);
      const setB = MysqlGtidSet.parse(b);
      assert.equal(setA.toString(), oneLine(server.normalised));
      assert.equal(setA.union(setB).toString(), oneLine(server.unioned));
      assert.equal(setA.subtract(setB).toString(), oneLine(server.subtracted));
      assert.equal(setA.intersect(setB).toString(), oneLine(server.intersected));
      assert.equal(setA.contains(setB), server.contained === 1);
    }),
    { numRuns: 60 },
  );
});

test('@@gtid_executed of the running server parses to what the server prints', async () => {
  const [rows] = await conn.query<RowDataPacket[]>('SELECT @@global.gtid_executed AS executed');
  const printed = (rows[0] as { executed: string }).executed;
  assert.equal(MysqlGtidSet.parse(printed).toString(), oneLine(printed));
});

test('the largest GNO MySQL accepts is the largest one parsed here', async () => {
  const [uuid] = UUIDS;
  const [rows] = await conn.query<RowDataPacket[]>("SELECT GTID_SUBTRACT(?, '') AS accepted", [`${uuid}:${MAX_GNO}`]);
  assert.equal((rows[0] as { accepted: string }).accepted, `${uuid}:${MAX_GNO}`);
  const tooLarge = `${uuid}:${MAX_GNO + 1n}`;
  await assert.rejects(conn.query("SELECT GTID_SUBTRACT(?, '')", [tooLarge]), /Malformed GTID set specification/);
  assert.throws(() => MysqlGtidSet.parse(tooLarge), GtidParseError);
});
