import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readVarlenSigned, readVarlenUnsigned } from '../../../domain/binlog/varlen';

const cursorOf = (bytes: number[]) => ({ buf: Buffer.from(bytes), pos: 0, end: bytes.length });

describe('mysql::serialization variable-length integers', () => {
  // The examples of libs/mysql/serialization/readme.md, written there most significant byte first.
  it('reads the documented unsigned and signed examples', () => {
    assert.equal(readVarlenUnsigned(cursorOf([0xfb, 0xff, 0x07])), 65535n);
    assert.equal(readVarlenSigned(cursorOf([0xf3, 0xff, 0x0f])), 65535n);
    assert.equal(readVarlenSigned(cursorOf([0xeb, 0xff, 0x0f])), -65535n);
    assert.equal(readVarlenSigned(cursorOf([0xfb, 0xff, 0x0f])), -65536n);
  });

  it('reads one-byte and full nine-byte numbers and advances past them', () => {
    const cursor = cursorOf([0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    assert.equal(readVarlenUnsigned(cursor), 1n);
    assert.equal(cursor.pos, 1);
    assert.equal(readVarlenUnsigned(cursor), 2n ** 64n - 1n);
    assert.equal(cursor.pos, 10);
  });

  it('returns undefined when the bytes end inside a number', () => {
    assert.equal(readVarlenUnsigned(cursorOf([0xfb, 0xff])), undefined);
    assert.equal(readVarlenUnsigned(cursorOf([])), undefined);
  });
});
