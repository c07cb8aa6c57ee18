import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  archivedMirrorFiles,
  closedInMirror,
  namesWentBack,
  streamServerId,
  streamShortfall,
  streamStartFile,
} from '../../../domain/archive/stream-mirror';

const server = [
  { name: 'binlog.000007', sizeBytes: 900 },
  { name: 'binlog.000008', sizeBytes: 500 },
  { name: 'binlog.000009', sizeBytes: 700 },
  { name: 'binlog.000010', sizeBytes: 300 },
];
const closed = server.slice(0, -1);
const mirror = (entries: Array<[string, number]>) => new Map(entries);

test('a new stream starts at the first binlog not yet archived, or at the oldest the server keeps when nothing is', () => {
  assert.equal(streamStartFile(server, mirror([]), 'binlog.000007'), 'binlog.000008');
  assert.equal(streamStartFile(server, mirror([]), undefined), 'binlog.000007');
  assert.equal(streamStartFile(server, mirror([]), 'binlog.000003'), 'binlog.000007', 'the newest archived file was purged: all of them');
});

test('a restarted stream asks again for the first file the mirror lacks whole, never for one it holds whole', () => {
  const received = mirror([
    ['binlog.000008', 500],
    ['binlog.000009', 650],
  ]);
  assert.equal(streamStartFile(server, received, 'binlog.000007'), 'binlog.000009', 'cut short when the stream stopped');
  assert.equal(
    streamStartFile(
      server,
      mirror([
        ['binlog.000008', 500],
        ['binlog.000009', 700],
        ['binlog.000010', 120],
      ]),
      'binlog.000007',
    ),
    'binlog.000010',
    'the active binlog grows: it is received again from its start',
  );
});

test('a pass takes the closed files the mirror holds whole, in order, and names the unarchived ones it must leave', () => {
  assert.deepEqual(
    closedInMirror(
      closed,
      mirror([
        ['binlog.000008', 500],
        ['binlog.000009', 700],
      ]),
      'binlog.000007',
    ),
    { ready: closed.slice(1), heldBack: [] },
  );
  assert.deepEqual(
    closedInMirror(
      closed,
      mirror([
        ['binlog.000008', 400],
        ['binlog.000009', 700],
      ]),
      'binlog.000007',
    ),
    { ready: [], heldBack: ['binlog.000008', 'binlog.000009'] },
    'a file still arriving holds back the whole files after it: the stream stays in binlog order',
  );
  assert.deepEqual(closedInMirror(closed, mirror([['binlog.000010', 10]]), 'binlog.000009'), { ready: [], heldBack: [] });
  assert.deepEqual(
    closedInMirror(closed, mirror([]), undefined),
    { ready: [], heldBack: ['binlog.000007', 'binlog.000008', 'binlog.000009'] },
    'nothing received, nothing archived',
  );
});

test('the mirror drops the copies of files the archive holds, and only those', () => {
  const held = mirror([
    ['binlog.000008', 500],
    ['binlog.000009', 700],
    ['binlog.000010', 10],
  ]);
  assert.deepEqual(archivedMirrorFiles(held, 'binlog.000008'), ['binlog.000008']);
  assert.deepEqual(archivedMirrorFiles(held, undefined), []);
});

test('the stream connects with the configured server id, else one of its cluster in the top sixteenth of the id space', () => {
  assert.equal(streamServerId(77, 'acme', 'orders'), 77);
  const derived = streamServerId(undefined, 'acme', 'orders');
  assert.equal(derived, streamServerId(undefined, 'acme', 'orders'), 'the same cluster, the same id at every start');
  assert.notEqual(derived, streamServerId(undefined, 'acme', 'billing'));
  assert.ok(derived >= 0xf000_0000 && derived <= 0xffff_ffff, `${derived} is a server id above 4026531840`);
});

test('the shortfall is what the server wrote from the stream’s start file on that the mirror lacks, zero once caught up', () => {
  assert.deepEqual(
    streamShortfall(server, mirror([['binlog.000009', 650]]), 'binlog.000009'),
    { bytes: 50 + 300, serverFile: 'binlog.000010', serverBytes: 300 },
    'the rest of the file it was in, and all of the next',
  );
  assert.equal(
    streamShortfall(
      server,
      mirror([
        ['binlog.000009', 700],
        ['binlog.000010', 300],
      ]),
      'binlog.000009',
    ).bytes,
    0,
  );
  assert.equal(streamShortfall(server, mirror([]), 'binlog.000010').bytes, 300, 'files before the start are not the stream’s to receive');
});

test('names that went back behind the archive’s newest file of the server are a reset; purged old names are not', () => {
  const list = (...names: string[]) => names.map((name) => ({ name, sizeBytes: 100 }));
  assert.equal(namesWentBack(list('binlog.000001'), 'binlog.000004'), true, 'RESET BINARY LOGS AND GTIDS starts again at 000001');
  assert.equal(namesWentBack([], 'binlog.000004'), true, 'a server with no binlog holds nothing the archive had');
  assert.equal(namesWentBack(list('binlog.000004', 'binlog.000005'), 'binlog.000004'), false, 'the newest archived name is still listed');
  assert.equal(namesWentBack(list('binlog.000009'), 'binlog.000004'), false, 'the older names were purged');
  assert.equal(namesWentBack(list('binlog.000001'), undefined), false, 'nothing of the server is archived');
  assert.equal(namesWentBack(list('binlog.999999', 'binlog.1000000'), 'binlog.999999'), false, 'a seven-digit name comes after .999999');
});
