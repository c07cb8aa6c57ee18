import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import { BinlogCorruptError, BinlogUnsupportedError } from '../../../domain/binlog/errors';
import { indexBinlog, readBinlog } from '../../../domain/binlog/reader';
import { PitrError } from '../../../domain/errors';
import { fixtureOf } from '../../fixtures/binlogs/expected';
import { chunkedSource, type EventPosition, eventPositions, fixtureBytes } from './binlog-fixtures';

const MYSQL = fixtureOf('mysql', 'shop').name;
const MARIADB = fixtureOf('mariadb', 'ledger', '10.11').name;
const MARIADB_11_8 = fixtureOf('mariadb', 'ledger', '11.8').name;

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

/** A copy of `bytes` whose event says in its header that it ends at `end`, its CRC32 made to match. */
function withEndPosition(bytes: Buffer, event: EventPosition, end: number): Buffer {
  const copy = Buffer.from(bytes);
  copy.writeUInt32LE(end, event.offset + 13);
  const crcAt = event.offset + event.length - 4;
  copy.writeUInt32LE(crc32(copy.subarray(event.offset, crcAt)), crcAt);
  return copy;
}

describe('binlog reader on end positions of 0', () => {
  // A Table_map inside the first row transaction: MariaDB 11.4+ writes such events from the transaction's cache with end position 0.
  const tableMapOf = (bytes: Buffer): EventPosition => eventPositions(bytes).find((e) => e.type === 19)!;

  it('reads a MariaDB binlog whose event says it ends at 0 as the file with the real end position', async () => {
    const bytes = fixtureBytes(MARIADB);
    const zeroed = withEndPosition(bytes, tableMapOf(bytes), 0);
    for (const chunks of [[65536], [1, 2, 3, 4, 5, 6, 7]]) {
      assert.deepEqual(await indexBinlog(chunkedSource(zeroed, chunks)), await indexBinlog(Readable.from([bytes])));
    }
  });

  it('reports a MySQL binlog whose event says it ends at 0 as corrupt at that event', async () => {
    const bytes = fixtureBytes(MYSQL);
    const event = tableMapOf(bytes);
    for (const chunks of [[65536], [1, 2, 3, 4, 5, 6, 7]]) {
      const error = await corruptionOf(withEndPosition(bytes, event, 0), chunks);
      assert.equal(error.offset, event.offset);
      assert.match(
        error.message,
        new RegExp(
          `Table_map event header says it ends at 0, but its length ${event.length} makes it end at ${event.offset + event.length}`,
        ),
      );
    }
  });

  it('still reports a wrong end position other than 0 in a MariaDB 11.8 binlog', async () => {
    const bytes = fixtureBytes(MARIADB_11_8);
    const event = tableMapOf(bytes);
    assert.equal(bytes.readUInt32LE(event.offset + 13), 0, 'the fixture writes this event with end position 0');
    const error = await corruptionOf(withEndPosition(bytes, event, event.offset + event.length + 1));
    assert.equal(error.offset, event.offset);
    assert.match(error.message, /Table_map event header says it ends at \d+, but its length \d+ makes it end at \d+/);
  });

  it('catches a flipped length field of a MariaDB 11.8 event that ends at 0, at that event, by its CRC32', async () => {
    const bytes = fixtureBytes(MARIADB_11_8);
    const events = eventPositions(bytes);
    for (const event of events.filter((e) => bytes.readUInt32LE(e.offset + 13) === 0).slice(0, 3)) {
      for (const chunks of [[65536], [4093, 1, 19]]) {
        const error = await corruptionOf(flipBit(bytes, event.offset + 9, 1), chunks);
        assert.equal(error.offset, event.offset);
        assert.match(error.message, /CRC32 mismatch in \w+ event/);
      }
    }
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
