import { mkdirSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract, pack } from 'tar-fs';

/**
 * One tar stream of a backup payload (a folder or a single dump file), named by its base
 * name: `data/...`, `backup/...` or `dump.sql`. `unpackPayload` recreates it under `dir`,
 * which is the `payloadDir` that `restoreBackup` takes.
 */
export function packPayload(payload: string): Readable {
  // tar-fs 3 builds on streamx streams; callers (zstd, the S3 upload) expect a core Readable of bytes.
  return Readable.from(pack(dirname(payload), { entries: [basename(payload)] }), { objectMode: false });
}

export async function unpackPayload(source: Readable, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await pipeline(source, extract(dir));
}
