import { open } from 'node:fs/promises';
import { BinlogIndexer } from './binlog-indexer';
import type { BinlogSummary, BinlogTransaction } from './types';

/** Any byte stream: a file or S3 object body (Node Readable), or an async iterable of chunks. */
export type BinlogSource = AsyncIterable<Uint8Array | Buffer>;

export interface BinlogReadOptions {
  /** The file's name, for error messages. */
  name?: string;
}

export interface BinlogIndex {
  summary: BinlogSummary;
  transactions: BinlogTransaction[];
}

const FILE_CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * A binlog file as chunks for the functions below, read with two reused buffers: the next
 * read runs while the reader works on the current chunk, and no memory is allocated per
 * chunk. A chunk's memory is refilled once the next chunk is pulled, so this source suits
 * only consumers that are done with a chunk by then, as these readers are.
 */
export async function* binlogFileSource(path: string, chunkBytes = FILE_CHUNK_BYTES): AsyncGenerator<Buffer, void, undefined> {
  const handle = await open(path, 'r');
  let filling = Buffer.allocUnsafe(chunkBytes);
  let spare = Buffer.allocUnsafe(chunkBytes);
  let reading = handle.read(filling, 0, chunkBytes, null);
  try {
    for (;;) {
      const { bytesRead } = await reading;
      if (bytesRead === 0) return;
      const chunk = filling.subarray(0, bytesRead);
      [filling, spare] = [spare, filling];
      reading = handle.read(filling, 0, chunkBytes, null);
      yield chunk;
    }
  } finally {
    await reading.catch(() => undefined);
    await handle.close();
  }
}

function asBuffer(chunk: Uint8Array | Buffer): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') throw new TypeError('binlog source must yield bytes, not text (do not set an encoding on the stream)');
  return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/**
 * Reads a binlog end to end, never holding more than a chunk (plus the head of one event
 * spanning chunks), verifying magic, Format_description and every event's CRC32.
 * `onTransaction` sees each transaction in file order as soon as its last event is read.
 * Throws BinlogCorruptError (truncated or damaged) or BinlogUnsupportedError (encrypted).
 */
export async function readBinlog(
  source: BinlogSource,
  options: BinlogReadOptions & { onTransaction?: (transaction: BinlogTransaction) => void } = {},
): Promise<BinlogSummary> {
  const indexer = new BinlogIndexer(options.onTransaction ?? (() => undefined), options.name);
  for await (const chunk of source) indexer.push(asBuffer(chunk));
  return indexer.finish();
}

/** The summary and every transaction, collected in memory (one small object per transaction). */
export async function indexBinlog(source: BinlogSource, options: BinlogReadOptions = {}): Promise<BinlogIndex> {
  const transactions: BinlogTransaction[] = [];
  const summary = await readBinlog(source, { ...options, onTransaction: (trx) => transactions.push(trx) });
  return { summary, transactions };
}

/**
 * The transactions as an async iterator that pulls the source only as fast as the consumer
 * iterates; the generator's return value (from a manual `next()` loop) is the summary.
 */
export async function* binlogTransactions(
  source: BinlogSource,
  options: BinlogReadOptions = {},
): AsyncGenerator<BinlogTransaction, BinlogSummary, undefined> {
  const ready: BinlogTransaction[] = [];
  const indexer = new BinlogIndexer((trx) => ready.push(trx), options.name);
  for await (const chunk of source) {
    indexer.push(asBuffer(chunk));
    yield* ready;
    ready.length = 0;
  }
  return indexer.finish();
}
