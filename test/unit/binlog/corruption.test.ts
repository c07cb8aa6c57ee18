import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import { BinlogCorruptError, BinlogUnsupportedError } from '../../../domain/binlog/errors';
import { readBinlog } from '../../../domain/binlog/reader';
import { PitrError } from '../../../domain/errors';
import { fixtureOf } from '../../fixtures/binlogs/expected';
import { chunkedSource, eventPositions, fixtureBytes } from './binlog-fixtures';

const MYSQL = fixtureOf('mysql', 'shop').name;
const MARIADB = fixtureOf('mariadb', 'ledger').name;

async function corruptionOf(bytes: Buffer, chunkSizes = [65536]): Promise<BinlogCorruptError> {
  try {
    await readBinlog(chunkedSource(bytes, chunkSizes), { name: 'copy' });
  } catch (err) {
    assert.ok(err instanceof BinlogCorruptError, `expected BinlogCorruptError, got ${String(err)}`);
    assert.ok(err instanceof PitrError);
    return err;
  }
  assert.fail('the damaged binlog was read without error');
}

function flipBit(bytes: Buffer, at: number, bit = 3): Buffer {
  const copy = Buffer.from(bytes);
  copy[at]! ^= 1 << bit;
  return copy;
}

describe('binlog reader on damaged files', () => {
  for (const name of [MYSQL, MARIADB]) {
    const bytes = fixtureBytes(name);
    const events = eventPositions(bytes);
    const largest = events.reduce((a, b) => (b.length > a.length ? b : a));
    const samples = [events[1]!, events[Math.floor(events.length / 2)]!, largest, events[events.length - 1]!];

    it(`names the cut event's offset when ${name} is truncated mid-event`, async () => {
      for (const event of samples) {
        for (const cut of [event.offset + 7, event.offset + Math.floor(event.length / 2), event.offset + event.length - 2]) {
          // Byte-sized chunks only near the start: they cost a stream read per few bytes.
          for (const chunks of cut < 200_000 ? [[65536], [1, 2, 3, 4, 5, 6, 7]] : [[65536], [4093, 1, 19]]) {
            const error = await corruptionOf(bytes.subarray(0, cut), chunks);
            assert.equal(error.offset, event.offset);
            assert.match(error.message, new RegExp(`corrupt at offset ${event.offset}: `));
            assert.match(error.message, cut - event.offset < 19 ? /inside an event header/ : /runs past the end of the file/);
          }
        }
      }
    });

    it(`names the damaged event's offset when a bit of ${name} flips`, async () => {
      for (const event of samples) {
        const error = await corruptionOf(flipBit(bytes, event.offset + 19 + Math.floor((event.length - 23) / 2)));
        assert.equal(error.offset, event.offset);
        assert.match(error.message, /CRC32 mismatch in \w+ event \(stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\)/);
      }
    });

    it(`catches a flipped length field in ${name} at that event`, async () => {
      for (const event of samples) {
        const error = await corruptionOf(flipBit(bytes, event.offset + 9, 1));
        assert.equal(error.offset, event.offset);
        assert.match(error.message, /header says it ends at \d+, but its length \d+ makes it end at \d+/);
      }
    });

    it(`rejects ${name} with a damaged magic or format description`, async () => {
      const magic = await corruptionOf(flipBit(bytes, 1));
      assert.equal(magic.offset, 0);
      assert.match(magic.message, /bad magic/);
      const fde = await corruptionOf(flipBit(bytes, 4 + 30));
      assert.equal(fde.offset, 4);
      assert.match(fde.message, /CRC32 mismatch in Format_description event/);
      const version = Buffer.from(bytes);
      version.writeUInt16LE(3, 4 + 19);
      assert.match((await corruptionOf(version)).message, /corrupt at offset 4: Format_description event has binlog version 3/);
    });

    it(`reads ${name} cut exactly between events as an unfinished file, not a corrupt one`, async () => {
      const insideTransaction = events.find((e) => e.type === 19)!; // a Table_map: the transaction is open
      const summary = await readBinlog(Readable.from([bytes.subarray(0, insideTransaction.offset)]));
      assert.equal(summary.closed, false);
      assert.equal(summary.rotateTo, null);
      assert.ok(summary.unfinishedTransactionAt !== null && summary.unfinishedTransactionAt < insideTransaction.offset);
    });
  }

  it('rejects files too short to be binlogs', async () => {
    assert.equal((await corruptionOf(Buffer.alloc(0))).offset, 0);
    assert.match((await corruptionOf(Buffer.from([0xfe, 0x62]))).message, /shorter than the 4-byte binlog magic/);
    assert.match(
      (await corruptionOf(Buffer.from([0xfe, 0x62, 0x69, 0x6e]))).message,
      /at offset 4: file holds no Format_description event/,
    );
  });

  it('refuses MySQL encrypted binlogs with a clear reason', async () => {
    const encrypted = Buffer.concat([Buffer.from([0xfd, 0x62, 0x69, 0x6e]), Buffer.alloc(508)]);
    await assert.rejects(readBinlog(Readable.from([encrypted])), (err: unknown) => {
      assert.ok(err instanceof BinlogUnsupportedError);
      assert.match(err.message, /MySQL encrypted binlog/);
      assert.match(err.hint ?? '', /binlog_encryption=OFF/);
      return true;
    });
  });
});

describe('binlog reader on encrypted MariaDB binlogs', () => {
  it('refuses them at the Start_encryption event with a clear reason', async () => {
    const bytes = fixtureBytes(MARIADB);
    const gtidList = eventPositions(bytes).find((e) => e.type === 163)!;
    const at = gtidList.offset + gtidList.length;
    // Start_encryption body: scheme(1) key_version(4) nonce(12).
    const event = Buffer.alloc(19 + 17 + 4);
    event.writeUInt32LE(bytes.readUInt32LE(4), 0);
    event[4] = 164;
    event.writeUInt32LE(11, 5);
    event.writeUInt32LE(event.length, 9);
    event.writeUInt32LE(at + event.length, 13);
    event[19] = 1;
    event.writeUInt32LE(crc32(event.subarray(0, event.length - 4)), event.length - 4);
    const encrypted = Buffer.concat([bytes.subarray(0, at), event, Buffer.alloc(64, 0xa5)]);
    await assert.rejects(readBinlog(Readable.from([encrypted])), (err: unknown) => {
      assert.ok(err instanceof BinlogUnsupportedError);
      assert.match(err.message, new RegExp(`encrypted \\(Start_encryption event at offset ${at}\\)`));
      return true;
    });
  });
});
