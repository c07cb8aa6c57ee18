import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { crc32, viewOf } from '../../../domain/binlog/crc32';

describe('binlog CRC32', () => {
  // Inside a larger buffer at every alignment: events sit anywhere in a read chunk.
  const pool = randomBytes(4096);
  const backing = Buffer.concat([randomBytes(3), pool]).subarray(3);

  it('equals zlib.crc32 for every length up to past the native cut-over, at every alignment', () => {
    const view = viewOf(backing);
    for (let length = 0; length <= 600; length++) {
      for (let start = 0; start < 8; start++) {
        const expected = zlibCrc32(backing.subarray(start, start + length));
        assert.equal(crc32(backing, start, start + length, 0, view), expected, `length ${length} at ${start}`);
        assert.equal(crc32(backing, start, start + length), expected, `length ${length} at ${start}, own view`);
      }
    }
  });

  it('continues from a previous value as if the pieces were one', () => {
    for (const cut of [0, 1, 15, 16, 17, 383, 384, 1000]) {
      const head = crc32(pool, 0, cut);
      assert.equal(crc32(pool, cut, pool.length, head), zlibCrc32(pool));
    }
  });
});
