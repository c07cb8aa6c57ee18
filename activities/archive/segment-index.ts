import { closeSync, openSync, readdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { z } from 'zod';
import type { BinlogFlavor, BinlogTransaction } from '../../domain/binlog/types';
import { PitrError } from '../../domain/errors';
import { unpackArtifact } from '../../adapters/artifact/download';
import type { DataKeySource } from '../../adapters/keys/tenant-keys';
import type { ObjectStore } from '../../adapters/storage/object-store';

/**
 * The per-transaction index of an archived binlog, stored beside it as its own artifact:
 * JSON lines, a header then one `[gtid, start, end, commitMicros, precision, receivedAfterMicros,
 * receivedByMicros]` array per transaction (the last two null unless a live stream dated its
 * arrival; format /1, still read, has the first five). Text compresses to about the size of a packed binary layout once zstd has run
 * over it, stays readable with `pitr artifact` when an incident needs it, and goes through
 * the same encryption as the binlog: commit times and GTIDs describe a tenant's workload.
 */
export const SEGMENT_INDEX_FORMAT = 'pitr-binlog-index/2';

const FIRST_COLUMNS = ['gtid', 'start', 'end', 'commitMicros', 'precision'] as const;
const COLUMNS = [...FIRST_COLUMNS, 'receivedAfterMicros', 'receivedByMicros'] as const;

const headerSchema = z
  .object({
    format: z.enum([SEGMENT_INDEX_FORMAT, 'pitr-binlog-index/1']),
    file: z.string(),
    serverKey: z.string(),
    flavor: z.enum(['mysql', 'mariadb']),
    columns: z.array(z.string()),
  })
  .refine((h) => h.columns.join() === (h.format === SEGMENT_INDEX_FORMAT ? COLUMNS : FIRST_COLUMNS).join());
export type SegmentIndexHeader = z.infer<typeof headerSchema>;

const firstColumns = [
  z.string().nullable(),
  z.number().int().min(0),
  z.number().int().min(0),
  z.number().int(),
  z.enum(['us', 's']),
] as const;
const lineSchema = z.union([z.tuple([...firstColumns, z.number().int().nullable(), z.number().int().nullable()]), z.tuple(firstColumns)]);

export class SegmentIndexCorruptError extends PitrError {}

export function segmentIndexHeader(file: string, serverKey: string, flavor: BinlogFlavor): SegmentIndexHeader {
  return { format: SEGMENT_INDEX_FORMAT, file, serverKey, flavor, columns: [...COLUMNS] };
}

const LINES_PER_WRITE = 4096;

/** Writes an index file line by line as the binlog reader reports transactions, in batches. */
export class SegmentIndexWriter {
  private readonly fd: number;
  private pending: string[] = [];
  private closed = false;

  constructor(path: string, header: SegmentIndexHeader) {
    this.fd = openSync(path, 'w');
    this.pending.push(JSON.stringify(header));
  }

  add(trx: BinlogTransaction): void {
    const { received } = trx;
    this.pending.push(
      JSON.stringify([
        trx.gtid,
        trx.start,
        trx.end,
        trx.commitTime.micros,
        trx.commitTime.precision,
        received?.afterMicros ?? null,
        received?.byMicros ?? null,
      ]),
    );
    if (this.pending.length >= LINES_PER_WRITE) this.flush();
  }

  /** Writes what is pending and closes the file; closing again does nothing. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.flush();
    closeSync(this.fd);
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    writeSync(this.fd, `${this.pending.join('\n')}\n`);
    this.pending = [];
  }
}

export function parseSegmentIndex(text: string, name: string): { header: SegmentIndexHeader; transactions: BinlogTransaction[] } {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const corrupt = (line: number, why: string) =>
    new SegmentIndexCorruptError(`binlog index ${name} line ${line}: ${why}`, {
      hint: 'rebuild the index from the archived binlog with the binlog reader',
      terminal: true,
    });
  const parseLine = (line: string, at: number): unknown => {
    try {
      return JSON.parse(line);
    } catch {
      throw corrupt(at, 'not JSON');
    }
  };
  const header = headerSchema.safeParse(parseLine(lines[0] ?? '', 1));
  if (!header.success) throw corrupt(1, `not a ${SEGMENT_INDEX_FORMAT} header`);
  const width = header.data.columns.length;
  const transactions = lines.slice(1).map((line, i): BinlogTransaction => {
    const parsed = lineSchema.safeParse(parseLine(line, i + 2));
    if (!parsed.success || parsed.data.length !== width) throw corrupt(i + 2, `not a [${header.data.columns.join(', ')}] entry`);
    const [gtid, start, end, micros, precision, afterMicros, byMicros] = parsed.data;
    const trx: BinlogTransaction = { gtid, start, end, commitTime: { micros, precision } };
    return afterMicros != null && byMicros != null ? { ...trx, received: { afterMicros, byMicros } } : trx;
  });
  return { header: header.data, transactions };
}

/** Downloads, verifies and decrypts a segment's index. */
export async function readSegmentIndex(request: {
  store: ObjectStore;
  keys: DataKeySource;
  key: string;
  tenant: string;
}): Promise<{ header: SegmentIndexHeader; transactions: BinlogTransaction[] }> {
  const chunks: Buffer[] = [];
  const collect = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  await unpackArtifact({
    store: request.store,
    key: request.key,
    keys: request.keys,
    expected: { tenant: request.tenant },
    destination: { stream: collect },
  });
  return parseSegmentIndex(Buffer.concat(chunks).toString('utf8'), request.key);
}

/** Past the upload's 2-hour start-to-close timeout, with margin: no attempt is still writing such a file. */
const ABANDONED_INDEX_MS = 3 * 60 * 60 * 1000;

/**
 * A staging file of the index for one upload attempt alone: two uploads of one binlog can
 * overlap (an attempt taken for dead still running beside its retry, a manual pass beside the
 * scheduled one), and must not write or delete each other's index. Files that crashed attempts
 * left behind are removed once old enough.
 */
export function indexStagingPath(stagingDir: string, serverKey: string, file: string, now = Date.now()): string {
  const stem = `${serverKey}-${file}.`;
  for (const name of readdirSync(stagingDir)) {
    if (!name.startsWith(stem) || !name.endsWith('.index.jsonl')) continue;
    const path = join(stagingDir, name);
    try {
      if (now - statSync(path).mtimeMs > ABANDONED_INDEX_MS) rmSync(path, { force: true });
    } catch {
      // Removed meanwhile by its own attempt: nothing to clean.
    }
  }
  return join(stagingDir, `${stem}${randomBytes(8).toString('hex')}.index.jsonl`);
}
