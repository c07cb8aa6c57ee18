import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyQuery, TransactionBoundaries } from '../../../domain/binlog/transaction-boundaries';

const classify = (text: string) => {
  const buf = Buffer.from(`xx${text}`);
  return classifyQuery(buf, 2, buf.length);
};

describe('transaction boundaries', () => {
  it('classifies Query texts as the server boundary parser does', () => {
    assert.equal(classify('BEGIN'), 'begin');
    assert.equal(classify("XA START X'01',X'',1"), 'begin');
    assert.equal(classify('COMMIT'), 'end');
    assert.equal(classify('ROLLBACK'), 'end');
    assert.equal(classify('rollback'), 'end');
    assert.equal(classify("XA ROLLBACK X'01',X'',1"), 'end');
    assert.equal(classify("XA COMMIT X'01',X'',1"), 'end');
    assert.equal(classify('ROLLBACK TO SAVEPOINT a'), 'statement');
    assert.equal(classify('BEGIN NOT ATOMIC SELECT 1; END'), 'statement');
    assert.equal(classify('CREATE TABLE t (a INT)'), 'statement');
    assert.equal(classify('SAVEPOINT a'), 'statement');
  });

  it('ends a DDL transaction at its statement', () => {
    const b = new TransactionBoundaries();
    b.start(false);
    assert.equal(b.query('statement'), true);
    assert.equal(b.open, false);
  });

  it('keeps a BEGIN transaction open through statements and savepoints until XID', () => {
    const b = new TransactionBoundaries();
    b.start(false);
    assert.equal(b.query('begin'), false);
    assert.equal(b.query('statement'), false);
    assert.equal(b.open, true);
    assert.equal(b.terminator(), true);
    assert.equal(b.open, false);
  });

  it('treats a MariaDB non-standalone GTID as the BEGIN itself', () => {
    const b = new TransactionBoundaries();
    b.start(true);
    assert.equal(b.query('statement'), false);
    assert.equal(b.query('end'), true);
  });

  it('ends a compressed transaction at its payload event only right after the GTID', () => {
    const b = new TransactionBoundaries();
    assert.equal(b.payload(), false);
    b.start(false);
    assert.equal(b.payload(), true);
  });

  it('ignores terminators outside a transaction', () => {
    const b = new TransactionBoundaries();
    assert.equal(b.terminator(), false);
    assert.equal(b.query('end'), false);
  });
});
