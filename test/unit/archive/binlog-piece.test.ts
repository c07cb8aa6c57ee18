import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { historyAfter, nextPiece, pieceGtids } from '../../../domain/archive/binlog-piece';
import type { BinlogTransaction } from '../../../domain/binlog/types';

const U = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
const trx = (gtid: string | null, start: number, end: number): BinlogTransaction => ({
  gtid,
  start,
  end,
  commitTime: { micros: end, precision: 'us' },
});

describe('pieces of a growing binlog', () => {
  const pending = [trx(`${U}:5`, 200, 300), trx(`${U}:6`, 300, 450), trx(`${U}:7`, 450, 900)];

  test('a piece ends at the last whole transaction, never inside one', () => {
    const piece = nextPiece(200, pending, { readTo: 1000, endsFile: false }, 1 << 20);
    assert.deepEqual(piece && [piece.start, piece.end, piece.closesFile, piece.transactions.length], [200, 900, false, 3]);
  });

  test('nothing is sealed while no transaction is whole, unless the file ended', () => {
    assert.equal(nextPiece(900, [], { readTo: 950, endsFile: false }, 1 << 20), undefined);
    assert.deepEqual(nextPiece(900, [], { readTo: 950, endsFile: true }, 1 << 20), {
      start: 900,
      end: 950,
      closesFile: true,
      transactions: [],
    });
    assert.equal(nextPiece(950, [], { readTo: 950, endsFile: true }, 1 << 20), undefined, 'a sealed end is not sealed again');
  });

  test('the piece that reaches the Rotate event closes the file; a capped one leaves the rest for the next', () => {
    assert.equal(nextPiece(200, pending, { readTo: 980, endsFile: true }, 1 << 20)?.end, 980);
    const capped = nextPiece(200, pending, { readTo: 980, endsFile: true }, 300);
    assert.deepEqual(capped && [capped.end, capped.closesFile, capped.transactions.length], [450, false, 2]);
    assert.equal(
      nextPiece(200, pending, { readTo: 980, endsFile: true }, 10)?.end,
      300,
      'one transaction longer than the cap is a piece alone',
    );
  });

  test("a piece's GTIDs and the history after it chain as whole files do", () => {
    assert.equal(pieceGtids('mysql', pending), `${U}:5-7`);
    assert.equal(historyAfter('mysql', `${U}:1-4`, `${U}:5-7`), `${U}:1-7`);
    const maria = [trx('0-1-8', 0, 10), trx('0-2-9', 10, 20), trx('1-1-3', 20, 30), trx('0-1-10', 30, 40)];
    assert.equal(pieceGtids('mariadb', maria), '0-1-10,0-2-9,1-1-3');
    assert.equal(historyAfter('mariadb', '0-1-7,1-1-2', '0-1-10,0-2-9,1-1-3'), '0-1-10,0-2-9,1-1-3');
    assert.equal(pieceGtids('mysql', [trx(null, 0, 10)]), '', 'anonymous transactions add no GTID');
  });
});
