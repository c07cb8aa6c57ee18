import { createWriteStream, mkdirSync, statSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { unpackArtifact } from '../../adapters/artifact/download';
import type { ArtifactServices } from '../../adapters/artifact/services';
import { PitrError } from '../../domain/errors';
import type { RestorePlan, SegmentToApply } from '../../domain/restore/plan';
import type { RestoreSite } from './provisioner';
import type { FetchedSegments } from './types';

export class BinlogPieceMissingError extends PitrError {}

/** A piece of a binlog continues its file exactly where the pieces before it ended. */
function appendingTo(path: string, piece: SegmentToApply): WriteStream {
  let held = 0;
  try {
    held = statSync(path).size;
  } catch {
    // No piece of the file before it: refused below.
  }
  if (held !== piece.startOffset) {
    throw new BinlogPieceMissingError(
      `the archive's piece of ${piece.file} of server ${piece.serverKey} starts at offset ${piece.startOffset}, but the pieces before it end at ${held}`,
      {
        hint: 'the catalog lacks part of this binlog; restore to an earlier target, and run `pitr binlogs list` to see which pieces it holds',
        terminal: true,
      },
    );
  }
  return createWriteStream(path, { flags: 'a' });
}

/**
 * Downloads and decrypts the plan's archived binlogs to local files, each checked against the
 * SHA-256 the catalog recorded at upload. Files keep their names, one folder per server, in
 * stream order; the pieces of a binlog a stream sealed are appended into one file.
 */
export async function fetchArchivedSegments(
  services: Pick<ArtifactServices, 'store' | 'keys'>,
  plan: RestorePlan,
  site: RestoreSite,
  onFile: (done: number, bytes: number) => void,
  signal: AbortSignal,
): Promise<FetchedSegments> {
  const files: string[] = [];
  let bytes = 0;
  for (const segment of plan.segments) {
    const dir = join(site.binlogDir, segment.serverKey.replace(/[^A-Za-z0-9._-]/g, '_'));
    mkdirSync(dir, { recursive: true });
    const path = join(dir, segment.file);
    const decoded = await unpackArtifact({
      store: services.store,
      key: segment.objectKey,
      keys: services.keys,
      expected: { tenant: plan.tenantId, sha256: segment.storedSha256 },
      destination: segment.startOffset ? { stream: appendingTo(path, segment) } : { file: path },
      signal,
    });
    if (!files.includes(path)) files.push(path);
    bytes += decoded.plaintextBytes;
    onFile(files.length, bytes);
  }
  return { files, bytes };
}
