import fc from 'fast-check';
import { MAX_GNO, MariadbGtidPosition, MysqlGtidSet, type GnoInterval } from '../../../domain/gtid';

export const UUID_A = '11111111-2222-3333-4444-555555555555';
export const UUID_B = 'e37df7ab-e7b0-11f1-bda4-02fc00000001';
const SOURCES = [UUID_A, UUID_B, `${UUID_B}:billing`, `${UUID_B}:a`, 'ffffffff-0000-0000-0000-00000000000f'];

/** Mostly small GNOs so sets overlap often, sometimes near MySQL's maximum to exercise bigint edges. */
const gno = fc.oneof({ weight: 9, arbitrary: fc.bigInt(1n, 40n) }, { weight: 1, arbitrary: fc.bigInt(MAX_GNO - 5n, MAX_GNO) });

function interval(value: fc.Arbitrary<bigint>): fc.Arbitrary<GnoInterval> {
  return fc.tuple(value, value).map(([a, b]) => (a <= b ? { start: a, end: b } : { start: b, end: a }));
}

function setOf(value: fc.Arbitrary<bigint>): fc.Arbitrary<MysqlGtidSet> {
  return fc
    .array(fc.tuple(fc.constantFrom(...SOURCES), interval(value)), { maxLength: 8 })
    .map((entries) => MysqlGtidSet.fromIntervals(entries.map(([source, i]) => [source, [i]])));
}

export const mysqlGtidSet = setOf(gno);

/** Sets with GNOs 1..30 only, small enough to enumerate every GTID. */
export const smallMysqlGtidSet = setOf(fc.bigInt(1n, 30n));

/** Every GTID of a set as `source#gno`: the naive model the set algebra must agree with. */
export function enumerate(set: MysqlGtidSet): Set<string> {
  const all = new Set<string>();
  for (const source of set.sources()) {
    for (const { start, end } of set.intervalsOf(source)) for (let g = start; g <= end; g += 1n) all.add(`${source}#${g}`);
  }
  return all;
}

/**
 * Positions from one consistent history: the server id of a GTID is a function of its domain
 * and sequence number, as in a replication topology without split brain.
 */
export const mariadbPosition = fc
  .uniqueArray(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.bigInt(1n, 25n)), { selector: ([domain]) => domain, maxLength: 4 })
  .map((entries) => MariadbGtidPosition.parse(entries.map(([domain, seq]) => `${domain}-${serverOf(domain, seq)}-${seq}`).join(',')));

function serverOf(domain: number, seq: bigint): number {
  return ((domain + Number(seq)) % 3) + 1;
}

/** The transactions a position stands for, as `domain#seq`. */
export function mariadbTransactions(position: MariadbGtidPosition): Set<string> {
  const all = new Set<string>();
  for (const { domain, seq } of position.gtids()) for (let s = 1n; s <= seq; s += 1n) all.add(`${domain}#${s}`);
  return all;
}
