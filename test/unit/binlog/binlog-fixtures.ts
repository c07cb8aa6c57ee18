import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURE_DIR } from '../../fixtures/binlogs/expected';

/** The bytes of one real binlog of test/fixtures/binlogs. */
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
  /** The header's timestamp, in seconds. */
  seconds: number;
}

/** Event boundaries of an intact binlog, walked by the length field of each header. */
export function eventPositions(bytes: Buffer): EventPosition[] {
  const events: EventPosition[] = [];
  for (let offset = 4; offset < bytes.length; ) {
    const length = bytes.readUInt32LE(offset + 9);
    events.push({ offset, length, type: bytes[offset + 4]!, seconds: bytes.readUInt32LE(offset) });
    offset += length;
  }
  return events;
}

/**
 * The GTID a MySQL server gives its next transaction after the history in a Previous-GTIDs
 * text of the ledger fixture's form, `uuid:1-N:billing:1-5`: `uuid:N+1`.
 */
export function nextOwnGtid(previousGtids: string): { source: string; gno: bigint } {
  const [source, history] = previousGtids.split(':');
  return { source: source!, gno: BigInt(history!.split('-')[1]!) + 1n };
}
