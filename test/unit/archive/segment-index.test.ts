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
    () => parseSegmentIndex(`${header}\n["a:1",4,100,1,"us",null,null]\n["a:2",100,"x",2,"us",null,null]\n`, 'i'),
    (err: unknown) => {
      assert.ok(err instanceof SegmentIndexCorruptError);
      assert.match(err.message, /line 3/);
      return true;
    },
  );
  assert.throws(() => parseSegmentIndex('{"format":"other"}\n', 'i'), SegmentIndexCorruptError);
});

test('a streamed transaction keeps when it was received; an index of format /1 is still read', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pitr-index-'));
  try {
    const path = join(dir, 'index.jsonl');
    const writer = new SegmentIndexWriter(path, segmentIndexHeader('binlog.000001', 'server-1', 'mariadb'));
    const trx = { gtid: '0-1-7', start: 4, end: 100, commitTime: { micros: 1_000_000, precision: 's' as const } };
    writer.add({ ...trx, received: { afterMicros: 1_200_000, byMicros: 1_210_000 } });
    writer.add({ ...trx, gtid: '0-1-8', start: 100, end: 200 });
    writer.close();
    assert.deepEqual(parseSegmentIndex(readFileSync(path, 'utf8'), path).transactions, [
      { ...trx, received: { afterMicros: 1_200_000, byMicros: 1_210_000 } },
      { ...trx, gtid: '0-1-8', start: 100, end: 200 },
    ]);
    const v1 = `{"format":"pitr-binlog-index/1","file":"binlog.000001","serverKey":"s","flavor":"mariadb","columns":["gtid","start","end","commitMicros","precision"]}\n["0-1-7",4,100,1000000,"s"]\n`;
    assert.deepEqual(parseSegmentIndex(v1, 'v1').transactions, [trx]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
