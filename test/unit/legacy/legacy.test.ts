import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { compress } from 'zstd-napi';
import { comparePlans, compareRestored, type SidePlan } from '../../../domain/legacy/compare';
import { compressionOf, contentKindOf } from '../../../domain/legacy/object-kind';
import { placeLegacyStream, type LegacySegmentFacts } from '../../../domain/legacy/stream';
import { peekBytes } from '../../../client/legacy/read-object';

const A = '11111111-2222-3333-4444-555555555555';
const BINLOG_HEAD = Buffer.from([0xfe, 0x62, 0x69, 0x6e, 0x00, 0x01]);
const MYSQL_DUMP = Buffer.from('-- MySQL dump 10.13  Distrib 9.7.0, for Linux (x86_64)\n--\n');

describe('legacy objects are told apart by their bytes, not their names', () => {
  test('gzip and zstd by magic, anything else is stored plain', () => {
    assert.equal(compressionOf(gzipSync(BINLOG_HEAD)), 'gzip');
    assert.equal(compressionOf(compress(BINLOG_HEAD)), 'zstd');
    assert.equal(compressionOf(BINLOG_HEAD), 'none');
    assert.equal(compressionOf(MYSQL_DUMP), 'none');
    assert.equal(compressionOf(Buffer.alloc(0)), 'none');
  });

  test('a binlog by its magic, a dump by its tool banner, with the flavor the banner names', () => {
    assert.deepEqual(contentKindOf(BINLOG_HEAD), { kind: 'binlog' });
    assert.deepEqual(contentKindOf(MYSQL_DUMP), { kind: 'dump', flavor: 'mysql' });
    assert.deepEqual(
      contentKindOf(Buffer.from('/*M!999999\\- enable the sandbox mode */ \n-- MariaDB dump 10.19-11.4.5-MariaDB, for Linux\n')),
      { kind: 'dump', flavor: 'mariadb' },
    );
    assert.deepEqual(contentKindOf(Buffer.from('-- MariaDB dump 10.19  Distrib 10.11.6-MariaDB\n')), { kind: 'dump', flavor: 'mariadb' });
  });

  test('anything else is unknown, with a reason naming what was expected', () => {
    const junk = contentKindOf(Buffer.from('hello, this is not a backup'));
    assert.equal(junk.kind, 'unknown');
    assert.match(junk.kind === 'unknown' ? junk.reason : '', /neither a binlog .* nor a mysqldump or mariadb-dump file/);
    assert.deepEqual(contentKindOf(Buffer.alloc(0)), { kind: 'unknown', reason: 'empty object' });
    // A SQL file someone wrote by hand is no dump: it has no coordinate the tool wrote.
    assert.equal(contentKindOf(Buffer.from('CREATE TABLE t (id INT);\n')).kind, 'unknown');
  });

  test('peeking gives the head and then every byte once, across chunk boundaries', async () => {
    async function* chunks() {
      yield Buffer.from('ab');
      yield Buffer.from('cd');
      yield Buffer.from('ef');
    }
    const { head, all } = await peekBytes(chunks(), 3);
    assert.equal(head.toString(), 'abc');
    const seen: Buffer[] = [];
    for await (const c of all) seen.push(c);
    assert.equal(Buffer.concat(seen).toString(), 'abcdef');
  });
});

const seg = (file: string, previousGtids: string, gtids: string): LegacySegmentFacts => ({
  objectKey: `legacy/${file}`,
  file,
  serverKey: 'server-1',
  previousGtids,
  gtids,
});

describe('the legacy stream is placed by GTID history', () => {
  test('files in any listing order form one stream by their previous GTIDs', () => {
    const placed = placeLegacyStream('mysql', [
      seg('z-last', `${A}:1-20`, `${A}:21-30`),
      seg('a-first', '', `${A}:1-10`),
      seg('m-middle', `${A}:1-10`, `${A}:11-20`),
    ]);
    assert.deepEqual(
      placed.segments.map((s) => [s.objectKey, s.seq, s.status, s.reached]),
      [
        ['legacy/a-first', 1, 'archived', `${A}:1-10`],
        ['legacy/m-middle', 2, 'archived', `${A}:1-20`],
        ['legacy/z-last', 3, 'archived', `${A}:1-30`],
      ],
    );
    assert.deepEqual(placed.gaps, []);
  });

  test('a missing file is a gap named by its transactions, and the stream continues after it', () => {
    const placed = placeLegacyStream('mysql', [seg('binlog.000001', '', `${A}:1-10`), seg('binlog.000003', `${A}:1-20`, `${A}:21-30`)]);
    assert.deepEqual(placed.gaps, [
      {
        seq: 2,
        serverKey: 'server-1',
        afterFile: 'binlog.000001',
        beforeFile: 'binlog.000003',
        reachedBefore: `${A}:1-10`,
        missing: `${A}:11-20`,
        reached: `${A}:1-20`,
      },
    ]);
    assert.deepEqual(
      placed.segments.map((s) => [s.seq, s.status, s.reached]),
      [
        [1, 'archived', `${A}:1-10`],
        [3, 'archived', `${A}:1-30`],
      ],
    );
  });

  test("another server's unrelated history is diverged and left out of the stream", () => {
    const B = 'e37df7ab-e7b0-11f1-bda4-02fc00000001';
    const placed = placeLegacyStream('mysql', [
      seg('binlog.000001', '', `${A}:1-10`),
      seg('binlog.000002', `${A}:1-10`, `${A}:11-12`),
      seg('other.000001', `${B}:1-5`, `${B}:6-7`),
    ]);
    assert.deepEqual(placed.segments.map((s) => s.status).sort(), ['archived', 'archived', 'diverged']);
    assert.deepEqual(
      placed.segments.find((s) => s.status === 'diverged'),
      { objectKey: 'legacy/other.000001', seq: 3, status: 'diverged', reached: `${A}:1-12`, lacking: `${A}:1-12` },
    );
  });
});

describe('comparing the two archives at an instant', () => {
  const planned = (expectedGtids: string): SidePlan => ({
    kind: 'planned',
    backupId: 'b',
    expectedGtids,
    throughCommit: null,
    segments: 1,
  });

  test('the same GTID state agrees, whatever the text order', () => {
    const B = 'e37df7ab-e7b0-11f1-bda4-02fc00000001';
    assert.deepEqual(comparePlans('mysql', 't', planned(`${A}:1-10,${B}:1-2`), planned(`${B}:1-2,${A}:1-10`)).verdict, { kind: 'agree' });
  });

  test('a difference names the GTIDs only one side would restore', () => {
    assert.deepEqual(comparePlans('mysql', 't', planned(`${A}:1-30`), planned(`${A}:1-10`)).verdict, {
      kind: 'disagree',
      onlyProduct: `${A}:11-30`,
      onlyLegacy: '',
    });
    assert.deepEqual(comparePlans('mariadb', 't', planned('0-1-30'), planned('0-1-10')).verdict, {
      kind: 'disagree',
      onlyProduct: '0-1-30',
      onlyLegacy: '0-1-10',
    });
  });

  test('a refusal on either side is reported with its side, never as agreement', () => {
    const refused: SidePlan = { kind: 'refused', reason: 'inside a gap' };
    assert.deepEqual(comparePlans('mysql', 't', planned(`${A}:1-3`), refused).verdict, { kind: 'refused', sides: ['legacy'] });
    assert.deepEqual(comparePlans('mysql', 't', refused, refused).verdict, { kind: 'refused', sides: ['product', 'legacy'] });
  });

  test('two restored servers agree only with the same GTID state and the same checksum for every table', () => {
    const state = (gtidExecuted: string, checksums: Record<string, string | null>) => ({ gtidExecuted, checksums });
    assert.equal(
      compareRestored('mysql', state(`${A}:1-5`, { 'shop.orders': '42' }), state(`${A}:1-5`, { 'shop.orders': '42' })).agree,
      true,
    );
    const apart = compareRestored(
      'mysql',
      state(`${A}:1-5`, { 'shop.orders': '42', 'shop.items': '7' }),
      state(`${A}:1-4`, { 'shop.orders': '41', 'shop.extra': '1' }),
    );
    assert.deepEqual(apart, {
      agree: false,
      gtids: { product: `${A}:1-5`, legacy: `${A}:1-4`, same: false },
      onlyProduct: ['shop.items'],
      onlyLegacy: ['shop.extra'],
      differing: [{ table: 'shop.orders', product: '42', legacy: '41' }],
      tables: 1,
    });
    // A table that opens on neither side proves nothing: it is reported, not counted as equal.
    assert.equal(
      compareRestored('mysql', state(`${A}:1-5`, { 'shop.orders': null }), state(`${A}:1-5`, { 'shop.orders': null })).agree,
      false,
    );
  });
});
