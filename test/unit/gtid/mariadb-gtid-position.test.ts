import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidInputError } from '../../../domain/errors';
import { GtidParseError, MariadbGtidConflictError, MariadbGtidPosition } from '../../../domain/gtid';

const pos = (text: string): MariadbGtidPosition => MariadbGtidPosition.parse(text);

describe('MariaDB GTID position text', () => {
  test('canonical text is sorted by domain, without spaces', () => {
    assert.equal(pos(' 2-11-5, 0-11-2151\n').toString(), '0-11-2151,2-11-5');
    assert.equal(pos('00-01-05').toString(), '0-1-5');
    assert.equal(pos('4294967295-4294967295-18446744073709551615').toString(), '4294967295-4294967295-18446744073709551615');
    assert.equal(pos('').toString(), '');
    assert.equal(pos('').isEmpty(), true);
  });

  test("gtids and get give each domain's GTID with an exact 64-bit sequence number", () => {
    const p = pos('1-2-18446744073709551615,0-11-2151');
    assert.deepEqual(p.gtids(), [
      { domain: 0, server: 11, seq: 2151n },
      { domain: 1, server: 2, seq: 18446744073709551615n },
    ]);
    assert.deepEqual(p.get(0), { domain: 0, server: 11, seq: 2151n });
    assert.equal(p.get(7), undefined);
  });

  const refusals: Array<[string, string, string]> = [
    ['a trailing comma', '0-1-5,', 'invalid MariaDB GTID position at position 5: trailing comma: a GTID position cannot end with ","'],
    ['an empty entry', '0-1-5,,1-1-1', 'invalid MariaDB GTID position at position 6: empty entry between two commas'],
    [
      'a domain twice',
      '0-1-5,1-1-1,0-2-6',
      'invalid MariaDB GTID position at position 12: domain 0 appears twice ("0-1-5" and "0-2-6"): a position holds one GTID per domain',
    ],
    [
      'sequence number 0',
      '0-1-0',
      'invalid MariaDB GTID position at position 0: sequence number 0 in "0-1-0" is never assigned to a transaction (they start at 1)',
    ],
    [
      'a sequence number above 2^64-1',
      '0-1-18446744073709551616',
      'invalid MariaDB GTID position at position 0: sequence number 18446744073709551616 in "0-1-18446744073709551616" is above 18446744073709551615',
    ],
    [
      'a domain above 2^32-1',
      '4294967296-1-1',
      'invalid MariaDB GTID position at position 0: domain id 4294967296 in "4294967296-1-1" is above 4294967295',
    ],
    [
      'a server id above 2^32-1',
      '1-4294967296-1',
      'invalid MariaDB GTID position at position 0: server id 4294967296 in "1-4294967296-1" is above 4294967295',
    ],
    [
      'two parts',
      '0-1',
      'invalid MariaDB GTID position at position 0: "0-1" is not a MariaDB GTID (domain-server-sequence, decimal numbers)',
    ],
    [
      'a negative number',
      '0--1-5',
      'invalid MariaDB GTID position at position 0: "0--1-5" is not a MariaDB GTID (domain-server-sequence, decimal numbers)',
    ],
    [
      'spaces inside a GTID',
      '0 -1-5',
      'invalid MariaDB GTID position at position 0: "0" is not a MariaDB GTID (domain-server-sequence, decimal numbers)',
    ],
    [
      'a MySQL entry after a MariaDB one',
      '0-1-5,e37df7ab-e7b0-11f1-bda4-02fc00000001:1-3',
      'invalid MariaDB GTID position at position 6: "e37df7ab-e7b0-11f1-bda4-02fc00000001:1-3" is a MySQL GTID (uuid:interval), not a MariaDB domain-server-sequence: use the mysql flavor',
    ],
  ];
  for (const [what, text, message] of refusals) {
    test(`refuses ${what}`, () => {
      assert.throws(
        () => pos(text),
        (err: unknown) =>
          err instanceof GtidParseError && err instanceof InvalidInputError && err.message === message && err.hint !== undefined,
      );
    });
  }
});

describe('MariaDB GTID position comparisons', () => {
  test('contains: every domain of the other is here at the same or a later sequence number', () => {
    const replica = pos('0-1-10,1-2-3');
    assert.equal(replica.contains(pos('0-1-10')), true);
    assert.equal(replica.contains(pos('0-3-9,1-2-3')), true, 'the server id does not order GTIDs');
    assert.equal(replica.contains(pos('0-1-11')), false);
    assert.equal(replica.contains(pos('2-1-1')), false);
    assert.equal(replica.contains(MariadbGtidPosition.empty()), true);
  });

  test('union keeps the later GTID of each domain', () => {
    assert.equal(pos('0-1-10,1-2-3').union(pos('0-3-12,2-1-1')).toString(), '0-3-12,1-2-3,2-1-1');
  });

  test('intersect keeps the earlier GTID of each domain present in both', () => {
    assert.equal(pos('0-1-10,1-2-3').intersect(pos('0-3-8,2-1-1')).toString(), '0-3-8');
  });

  test('subtract keeps the domains where the position is ahead, at its own GTID', () => {
    assert.equal(pos('0-1-10,1-2-3,2-1-1').subtract(pos('0-1-5,1-2-3')).toString(), '0-1-10,2-1-1');
    assert.equal(pos('0-1-5').subtract(pos('0-1-10')).isEmpty(), true);
  });

  test('equals needs the same server id too', () => {
    assert.equal(pos('1-2-3,0-1-10').equals(pos('0-1-10,1-2-3')), true);
    assert.equal(pos('0-1-10').equals(pos('0-2-10')), false);
    assert.equal(pos('0-1-10').equals(pos('0-1-10,1-1-1')), false);
  });

  test('the same sequence number from two servers in a domain is a conflict every comparison reports', () => {
    const a = pos('0-1-10,1-1-4');
    const b = pos('0-2-10');
    for (const compare of [() => a.union(b), () => a.intersect(b), () => a.subtract(b), () => a.contains(b), () => b.contains(a)]) {
      assert.throws(
        compare,
        (err: unknown) => err instanceof MariadbGtidConflictError && /0-1-10 and 0-2-10|0-2-10 and 0-1-10/.test(err.message),
      );
    }
  });
});

describe('MariaDB binlog states (gtid_binlog_state, a Gtid list)', () => {
  test('a state names a domain once per server id; it stands for the GTID listed last in each domain', () => {
    // After a failover: server 2 wrote 0-2-100..150, then server 1 took over again at 151.
    assert.equal(MariadbGtidPosition.ofBinlogState('0-2-150,1-1-7,0-1-160').toString(), '0-1-160,1-1-7');
    assert.equal(MariadbGtidPosition.ofBinlogState('0-1-90,\n0-2-100').toString(), '0-2-100');
    assert.equal(
      MariadbGtidPosition.ofBinlogState('0-1-5,0-1-3').toString(),
      '0-1-3',
      'the same server listed twice: the last entry stands',
    );
    assert.equal(MariadbGtidPosition.ofBinlogState('').isEmpty(), true);
  });

  test('where a position is meant, the same text is refused', () => {
    assert.throws(() => pos('0-2-150,1-1-7,0-1-160'), /at position 14: domain 0 appears twice/);
  });

  test('a malformed state is refused naming the bad part and where it is', () => {
    assert.throws(
      () => MariadbGtidPosition.ofBinlogState('0-2-150,0-1-0'),
      (err: unknown) =>
        err instanceof GtidParseError &&
        err.position === 8 &&
        /invalid MariaDB GTID list at position 8: sequence number 0/.test(err.message) &&
        /binlog state/.test(err.hint ?? ''),
    );
    assert.throws(() => MariadbGtidPosition.ofBinlogState('0-2-150,'), /trailing comma: a GTID list cannot end with ","/);
  });

  test('lastOfEachDomain is where a binlog stands after logging GTIDs in that order', () => {
    const logged = [
      { domain: 0, server: 1, seq: 10n },
      { domain: 1, server: 1, seq: 3n },
      { domain: 0, server: 2, seq: 11n },
    ];
    assert.equal(MariadbGtidPosition.lastOfEachDomain(logged).toString(), '0-2-11,1-1-3');
  });
});

describe('gtid_current_pos from gtid_binlog_pos, gtid_slave_pos and server_id', () => {
  const current = (binlog: string, slave: string, serverId: number): string =>
    MariadbGtidPosition.currentPos(pos(binlog), pos(slave), serverId).toString();

  test('a domain this server wrote last in its binlog, ahead of the replica position, takes the binlog GTID', () => {
    assert.equal(current('0-1-12', '0-2-10', 1), '0-1-12');
    assert.equal(current('0-1-12,3-1-1', '', 1), '0-1-12,3-1-1');
  });

  test('GTIDs another server wrote (replicated into this binlog) never count', () => {
    assert.equal(current('0-2-12', '0-2-10', 1), '0-2-10');
    assert.equal(current('0-2-12,1-1-4', '', 1), '1-1-4');
  });

  test('the replica position stands where it is not behind, and where the binlog has nothing', () => {
    assert.equal(current('0-1-12', '0-2-15,5-2-1', 1), '0-2-15,5-2-1');
    assert.equal(current('0-1-12', '0-2-12', 1), '0-2-12', 'an equal sequence number is not newer');
  });
});
