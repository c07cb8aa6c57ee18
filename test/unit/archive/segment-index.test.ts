import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  parseSegmentIndex,
  SegmentIndexCorruptError,
  segmentIndexHeader,
  SegmentIndexWriter,
} from '../../../activities/archive/segment-index';
import { binlogFileSource, indexBinlog, readBinlog } from '../../../domain/binlog/reader';
import { FIXTURE_DIR, fixtureOf } from '../../fixtures/binlogs/expected';

const fixtures = FIXTURE_DIR;

for (const [file, flavor] of [
  [fixtureOf('mysql', 'shop').name, 'mysql'],
  [fixtureOf('mariadb', 'ledger', '10.11').name, 'mariadb'],
] as const) {
  test(`the index of ${file} gives back every transaction with its offsets and commit time`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pitr-index-'));
    try {
      const path = join(dir, 'index.jsonl');
      const writer = new SegmentIndexWriter(path, segmentIndexHeader(file, 'server-1', flavor));
      await readBinlog(binlogFileSource(join(fixtures, file)), { onTransaction: (trx) => writer.add(trx) });
      writer.close();
      const parsed = parseSegmentIndex(readFileSync(path, 'utf8'), path);
      const expected = await indexBinlog(binlogFileSource(join(fixtures, file)));
      assert.equal(parsed.header.file, file);
      assert.equal(parsed.header.flavor, flavor);
      assert.deepEqual(parsed.transactions, expected.transactions);
      assert.equal(parsed.transactions.length, expected.summary.transactions);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('a damaged index line is refused with its line number', () => {
  const header = JSON.stringify(segmentIndexHeader('binlog.000001', 'server-1', 'mysql'));
  assert.throws(
    () => parseSegmentIndex(`${header}\n["a:1",4,100,1,"us"]\n["a:2",100,"x",2,"us"]\n`, 'i'),
    (err: unknown) => {
      assert.ok(err instanceof SegmentIndexCorruptError);
      assert.match(err.message, /line 3/);
      return true;
    },
  );
  assert.throws(() => parseSegmentIndex('{"format":"other"}\n', 'i'), SegmentIndexCorruptError);
});
