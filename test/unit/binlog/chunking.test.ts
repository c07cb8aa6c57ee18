import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Readable } from 'node:stream';
import { join } from 'node:path';
import { binlogFileSource, binlogTransactions, indexBinlog, readBinlog } from '../../../domain/binlog/reader';
import type { BinlogTransaction } from '../../../domain/binlog/types';
import { expectedFixtures, FIXTURE_DIR, fixtureOf } from '../../fixtures/binlogs/expected';
import { chunkedSource, fixtureBytes } from './binlog-fixtures';

describe('binlog reader chunking', () => {
  for (const [name] of expectedFixtures()) {
    it(`gives identical results for ${name} in 1..7-byte chunks as in one piece`, async () => {
      const bytes = fixtureBytes(name);
      const whole = await indexBinlog(Readable.from([bytes]));
      const tiny = await indexBinlog(chunkedSource(bytes, [1, 2, 3, 4, 5, 6, 7]));
      assert.deepEqual(tiny, whole);
    });

    it(`gives identical results for ${name} in chunks that split large events`, async () => {
      const bytes = fixtureBytes(name);
      const whole = await indexBinlog(Readable.from([bytes]));
      assert.deepEqual(await indexBinlog(chunkedSource(bytes, [4093, 1, 65521, 19, 300])), whole);
    });
  }

  it('reads a file through its two reused buffers as it reads it whole', async () => {
    for (const [name, chunkSizes] of [
      [fixtureOf('mysql', 'ledger').name, [7, 4096]],
      [fixtureOf('mysql', 'shop').name, [4096, 100_000]],
    ] as const) {
      const whole = await indexBinlog(Readable.from([fixtureBytes(name)]));
      for (const chunkBytes of chunkSizes)
        assert.deepEqual(await indexBinlog(binlogFileSource(join(FIXTURE_DIR, name), chunkBytes)), whole);
    }
  });

  it('accepts plain Uint8Array chunks', async () => {
    const { name, expected } = fixtureOf('mysql', 'ledger');
    const bytes = fixtureBytes(name);
    const arrays = [new Uint8Array(bytes.subarray(0, 1000)), new Uint8Array(bytes.subarray(1000))];
    const summary = await readBinlog(Readable.from(arrays));
    assert.equal(summary.transactions, expected.transactions);
  });

  it('streams the same transactions through the async iterator, returning the summary at the end', async () => {
    const bytes = fixtureBytes(fixtureOf('mysql', 'shop').name);
    const collected = await indexBinlog(Readable.from([bytes]));
    const iterator = binlogTransactions(chunkedSource(bytes, [8192]));
    const streamed: BinlogTransaction[] = [];
    for (let step = await iterator.next(); ; step = await iterator.next()) {
      if (step.done) {
        assert.deepEqual(step.value, collected.summary);
        break;
      }
      streamed.push(step.value);
    }
    assert.deepEqual(streamed, collected.transactions);
  });

  it('hands each transaction to the callback in file order', async () => {
    const { name, expected } = fixtureOf('mariadb', 'ledger', '10.11');
    const seen: number[] = [];
    await readBinlog(Readable.from([fixtureBytes(name)]), { onTransaction: (t) => seen.push(t.start) });
    assert.equal(seen.length, expected.transactions);
    assert.deepEqual(
      [...seen].sort((a, b) => a - b),
      seen,
    );
  });
});
