import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Real binlogs the servers wrote (test/fixtures/binlogs) and what the servers' tools say about them. */
export const FIXTURE_DIR = resolve(__dirname, '../../../..', 'test/fixtures/binlogs');

export interface ExpectedFixture {
  flavor: 'mysql' | 'mariadb';
  previousGtids: string;
  gtids?: string;
  lastGtidPerDomain?: string;
  firstGtid?: string;
  transactions: number;
  firstCommitTime?: string;
  lastCommitTime?: string;
  firstEventSecond?: string;
  lastEventSecond?: string;
}

export function expectedFixtures(): [string, ExpectedFixture][] {
  return Object.entries(JSON.parse(readFileSync(join(FIXTURE_DIR, 'expected.json'), 'utf8')) as Record<string, ExpectedFixture>);
}

export function fixtureBytes(name: string): Buffer {
  return readFileSync(join(FIXTURE_DIR, name));
}

/** A source that hands `bytes` over in chunks of the given sizes, cycling through them. */
export async function* chunkedSource(bytes: Buffer, sizes: number[]): AsyncGenerator<Buffer> {
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length]!;
    yield bytes.subarray(at, at + size);
    at += size;
  }
}

export interface EventPosition {
  offset: number;
  length: number;
  type: number;
}

/** Event boundaries of an intact binlog, walked by the length field of each header. */
export function eventPositions(bytes: Buffer): EventPosition[] {
  const events: EventPosition[] = [];
  for (let offset = 4; offset < bytes.length; ) {
    const length = bytes.readUInt32LE(offset + 9);
    events.push({ offset, length, type: bytes[offset + 4]! });
    offset += length;
  }
  return events;
}
