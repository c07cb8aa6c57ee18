import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodePreviousGtids, decodeTaggedGtid, decodeUntaggedGtid, UuidFormatter } from '../../../domain/binlog/mysql-gtid-events';

// Events written by MySQL 9.7.4 (`SET gtid_next='AUTOMATIC:billing'` and an explicit tagged GTID),
// with their 19-byte header and 4-byte CRC32.
const TAGGED_BILLING = Buffer.from(
  'b13e096b2a150000005200000072020000000002760000000274d47d03faa9037822c5033102a10304f103000000020404060e62696c6c696e6708080a0c0c7ff303e7d03d6106105d041283120b483bb8c9',
  'hex',
);
const TAGGED_LONG = Buffer.from(
  'b13e096b2a1500000074000000bf040000000002ba00000002a902a902a902a902ed02ed023103310375037503b903b903b903b903b903b903046902063c766572796c6f6e677461676e616d655f303132333435363738396162636408080a140c7f2f0ce7d03d610610e5041283120b7de387fb',
  'hex',
);
// Previous-GTIDs in the tagged format: 3a6adf7d-...:1-3:billing:1, aaaaaaaa-...:verylongtagname_0123456789abcd:77
const PREVIOUS_TAGGED = Buffer.from(
  'b13e096b2315000000bf0000003e010000800001030000000000013a6adf7dea3c11f18ce802fc00000001000100000000000000010000000000000004000000000000003a6adf7dea3c11f18ce802fc000000010e62696c6c696e67010000000000000001000000000000000200000000000000aaaaaaaabbbbccccddddeeeeeeeeeeee3c766572796c6f6e677461676e616d655f303132333435363738396162636401000000000000004d000000000000004e00000000000000e31de853',
  'hex',
);

const body = (event: Buffer): [number, number] => [19, event.length - 4];

describe('MySQL GTID event decoding', () => {
  it('decodes Gtid_tagged events written by MySQL 9.7 (mysql::serialization format)', () => {
    assert.deepEqual(decodeTaggedGtid(TAGGED_BILLING, ...body(TAGGED_BILLING), new UuidFormatter()), {
      sourceId: '3a6adf7d-ea3c-11f1-8ce8-02fc00000001:billing',
      gno: 1n,
      commitMicros: 1795767985964019,
      transactionLength: 279,
    });
    assert.deepEqual(decodeTaggedGtid(TAGGED_LONG, ...body(TAGGED_LONG), new UuidFormatter()), {
      sourceId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee:verylongtagname_0123456789abcd',
      gno: 77n,
      commitMicros: 1795767985966127,
      transactionLength: 313,
    });
  });

  it('refuses a tagged event cut short', () => {
    assert.equal(decodeTaggedGtid(TAGGED_BILLING, 19, 40, new UuidFormatter()), undefined);
  });

  it("takes the original commit timestamp its top bit announces (a replica's primary's commit), not the replica's immediate one", () => {
    const event = Buffer.alloc(19 + 42 + 14 + 1 + 4);
    const at = 19;
    event[at] = 1;
    Buffer.from('e37df7abe7b011f1bda402fc00000001', 'hex').copy(event, at + 1);
    event.writeBigInt64LE(2152n, at + 17);
    event[at + 25] = 2;
    const immediate = 1795489171071258;
    const original = 1795489170000001;
    event.writeUIntLE(immediate % 2 ** 48, at + 42, 6);
    event[at + 48] = Math.floor(immediate / 2 ** 48) | 0x80;
    event.writeUIntLE(original % 2 ** 48, at + 49, 6);
    event[at + 55] = Math.floor(original / 2 ** 48);
    event[at + 56] = 205;
    assert.deepEqual(decodeUntaggedGtid(event, at, event.length - 4, new UuidFormatter()), {
      sourceId: 'e37df7ab-e7b0-11f1-bda4-02fc00000001',
      gno: 2152n,
      commitMicros: original,
      transactionLength: 205,
    });
  });

  it('decodes Previous-GTIDs in the tagged format', () => {
    assert.deepEqual(decodePreviousGtids(PREVIOUS_TAGGED, ...body(PREVIOUS_TAGGED), new UuidFormatter()), [
      { sourceId: '3a6adf7d-ea3c-11f1-8ce8-02fc00000001', intervals: [{ start: 1n, end: 3n }] },
      { sourceId: '3a6adf7d-ea3c-11f1-8ce8-02fc00000001:billing', intervals: [{ start: 1n, end: 1n }] },
      { sourceId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee:verylongtagname_0123456789abcd', intervals: [{ start: 77n, end: 77n }] },
    ]);
  });

  it('decodes Previous-GTIDs in the untagged format and refuses unknown formats', () => {
    const event = Buffer.alloc(8 + 16 + 8 + 32);
    event.writeBigUInt64LE(1n, 0);
    Buffer.from('11111111222233334444555555555555', 'hex').copy(event, 8);
    event.writeBigUInt64LE(2n, 24);
    event.writeBigInt64LE(1n, 32);
    event.writeBigInt64LE(6n, 40);
    event.writeBigInt64LE(9n, 48);
    event.writeBigInt64LE(10n, 56);
    assert.deepEqual(decodePreviousGtids(event, 0, event.length, new UuidFormatter()), [
      {
        sourceId: '11111111-2222-3333-4444-555555555555',
        intervals: [
          { start: 1n, end: 5n },
          { start: 9n, end: 9n },
        ],
      },
    ]);
    event[7] = 2;
    assert.equal(decodePreviousGtids(event, 0, event.length, new UuidFormatter()), undefined);
  });
});
