import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { MariadbGtidPosition, MysqlGtidSet } from '../../../domain/gtid';
import { enumerate, mariadbPosition, mariadbTransactions, mysqlGtidSet, smallMysqlGtidSet } from './arbitraries';

const runs = { numRuns: 200 };

const sameElements = (a: Set<string>, b: Set<string>): boolean => a.size === b.size && [...a].every((x) => b.has(x));

describe('MySQL GTID set laws', () => {
  test('union is commutative and associative', () => {
    fc.assert(
      fc.property(mysqlGtidSet, mysqlGtidSet, mysqlGtidSet, (a, b, c) => {
        assert.ok(a.union(b).equals(b.union(a)));
        assert.ok(
          a
            .union(b)
            .union(c)
            .equals(a.union(b.union(c))),
        );
      }),
      runs,
    );
  });

  test('A ⊆ A∪B; (A∪B)−B ⊆ A and is disjoint from B; A∩B ⊆ A and ⊆ B', () => {
    fc.assert(
      fc.property(mysqlGtidSet, mysqlGtidSet, (a, b) => {
        const union = a.union(b);
        assert.ok(union.contains(a));
        const rest = union.subtract(b);
        assert.ok(a.contains(rest));
        assert.ok(rest.intersect(b).isEmpty());
        const common = a.intersect(b);
        assert.ok(a.contains(common) && b.contains(common));
      }),
      runs,
    );
  });

  test('contains(A, B) ⟺ B−A is empty', () => {
    fc.assert(
      fc.property(mysqlGtidSet, mysqlGtidSet, (a, b) => {
        assert.equal(a.contains(b), b.subtract(a).isEmpty());
        assert.ok(a.union(b).contains(b));
      }),
      runs,
    );
  });

  test('count(A∪B) = count(A) + count(B) − count(A∩B)', () => {
    fc.assert(
      fc.property(mysqlGtidSet, mysqlGtidSet, (a, b) => {
        assert.equal(a.union(b).count(), a.count() + b.count() - a.intersect(b).count());
      }),
      runs,
    );
  });

  test('parse(toString(x)) equals x, and the text is already canonical', () => {
    fc.assert(
      fc.property(mysqlGtidSet, (a) => {
        const text = a.toString();
        assert.ok(MysqlGtidSet.parse(text).equals(a));
        assert.equal(MysqlGtidSet.parse(text).toString(), text);
      }),
      runs,
    );
  });

  test('gaps are disjoint from the set and fill it into whole intervals', () => {
    fc.assert(
      fc.property(mysqlGtidSet, (a) => {
        const gaps = a.gaps();
        assert.ok(gaps.intersect(a).isEmpty());
        const filled = a.union(gaps);
        for (const source of filled.sources()) assert.equal(filled.intervalsOf(source).length, 1);
      }),
      runs,
    );
  });

  test('every operation agrees with the same operation on the enumerated GTIDs', () => {
    fc.assert(
      fc.property(smallMysqlGtidSet, smallMysqlGtidSet, (a, b) => {
        const ea = enumerate(a);
        const eb = enumerate(b);
        assert.ok(sameElements(enumerate(a.union(b)), new Set([...ea, ...eb])));
        assert.ok(sameElements(enumerate(a.subtract(b)), new Set([...ea].filter((x) => !eb.has(x)))));
        assert.ok(sameElements(enumerate(a.intersect(b)), new Set([...ea].filter((x) => eb.has(x)))));
        assert.equal(
          a.contains(b),
          [...eb].every((x) => ea.has(x)),
        );
        assert.equal(a.count(), BigInt(ea.size));
      }),
      runs,
    );
  });
});

describe('MariaDB GTID position laws', () => {
  test('union is commutative and associative', () => {
    fc.assert(
      fc.property(mariadbPosition, mariadbPosition, mariadbPosition, (a, b, c) => {
        assert.ok(a.union(b).equals(b.union(a)));
        assert.ok(
          a
            .union(b)
            .union(c)
            .equals(a.union(b.union(c))),
        );
      }),
      runs,
    );
  });

  test('A ⊆ A∪B; (A∪B)−B ⊆ A; A∩B ⊆ A and ⊆ B; contains(A, B) ⟺ B−A is empty', () => {
    fc.assert(
      fc.property(mariadbPosition, mariadbPosition, (a, b) => {
        assert.ok(a.union(b).contains(a));
        assert.ok(a.contains(a.union(b).subtract(b)));
        const common = a.intersect(b);
        assert.ok(a.contains(common) && b.contains(common));
        assert.equal(a.contains(b), b.subtract(a).isEmpty());
      }),
      runs,
    );
  });

  test('union, intersect and contains agree with the transactions the positions stand for', () => {
    fc.assert(
      fc.property(mariadbPosition, mariadbPosition, (a, b) => {
        const ta = mariadbTransactions(a);
        const tb = mariadbTransactions(b);
        assert.ok(sameElements(mariadbTransactions(a.union(b)), new Set([...ta, ...tb])));
        assert.ok(sameElements(mariadbTransactions(a.intersect(b)), new Set([...ta].filter((x) => tb.has(x)))));
        assert.equal(
          a.contains(b),
          [...tb].every((x) => ta.has(x)),
        );
      }),
      runs,
    );
  });

  test('parse(toString(x)) equals x', () => {
    fc.assert(
      fc.property(mariadbPosition, (a) => {
        assert.ok(MariadbGtidPosition.parse(a.toString()).equals(a));
      }),
      runs,
    );
  });
});
