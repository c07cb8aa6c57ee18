import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { withArrival } from '../../domain/archive/arrival';
import { inBinlogOrder, parseBinlogName } from '../../domain/archive/binlog-names';
import { historyAfter, nextPiece, pieceGtids, pieceSummary, type PieceBounds } from '../../domain/archive/binlog-piece';
import type { ArchiveRef, BinlogServer, SealedPiece, SegmentEnd } from '../../domain/archive/types';
import { BinlogIndexer } from '../../domain/binlog/binlog-indexer';
import type { BinlogTransaction } from '../../domain/binlog/types';
import { packArtifact } from '../../adapters/artifact/upload';
import { artifactServicesFromConfig, uploadEncoding } from '../../adapters/config/artifact-services';
import type { AgentConfig } from '../../adapters/config/config';
import { withDatabase } from '../../adapters/db/connect';
import { segmentIndexKey, segmentPieceKey } from '../../adapters/storage/layout';
import { RetryTally } from '../../adapters/storage/retry';
import { arrivalLooks } from './arrival-clock';
import { binlogMirrorDir, followedServer, mirroredSizes, readingStream } from './binlog-mirror';
import { BinlogsResetError, BinlogStreamStalledError } from './errors';
import { indexStagingPath, SegmentIndexWriter, segmentIndexHeader } from './segment-index';
import { listBinlogs } from './survey';

/** A piece holds at most this much unless one transaction alone is longer: each seal is bounded. */
export const PIECE_MAX_BYTES = 64 * 1024 * 1024;
const READ_BYTES = 4 * 1024 * 1024;
const POLL_MS = 20;
/** How often a file that may have ended without a Rotate event (a server crash) is looked up in the server's list. */
const SERVER_LIST_MS = 1000;

/** How far the sealer has read one mirrored binlog, and what it has not sealed yet. */
interface FileReading {
  serverKey: string;
  file: string;
  path: string;
  indexer: BinlogIndexer;
  /** Bytes of the file given to the indexer. */
  fed: number;
  /** Where the next piece starts. */
  sealed: number;
  /** The server's history at `sealed`; undefined at a file's start, where the file's header says it. */
  previous: string | undefined;
  /** Whole transactions after `sealed`, in file order. */
  pending: BinlogTransaction[];
  /** When the server's list was last read for whether the file ended without a Rotate event. */
  listedAt: number;
  /** The last bytes fed: a mirror that no longer holds them there was rewritten under the reading. */
  tail: Buffer;
}

/** How many of the last bytes fed a reading keeps: an event's checksum and more. */
const TAIL_BYTES = 32;

/** The mirror's file no longer holds the bytes a reading fed from it: the reading starts again from the archive's end. */
class MirrorRewritten extends Error {}

/** The reading that continues `after`, kept between calls in this agent process: a growing file is not read again from its start. */
const readings = new Map<string, { after: string; reading: FileReading }>();

const endText = (after: SegmentEnd | null): string =>
  after === null ? 'none' : `${after.serverKey}/${after.file}@${after.endOffset}${after.closesFile ? ' closed' : ''}`;

function startReading(config: AgentConfig, serverKey: string, file: string): FileReading {
  const path = join(binlogMirrorDir(config, serverKey), file);
  const reading: FileReading = {
    serverKey,
    file,
    path,
    fed: 0,
    sealed: 0,
    previous: undefined,
    pending: [],
    listedAt: 0,
    tail: Buffer.alloc(0),
    indexer: undefined!,
  };
  reading.indexer = new BinlogIndexer((trx) => reading.pending.push(trx), file);
  return reading;
}

/** Gives the indexer the file's bytes from where it stopped, up to `limit` or the mirror's end; returns how many. */
async function feed(reading: FileReading, limit = Number.POSITIVE_INFINITY): Promise<number> {
  let size: number;
  try {
    size = statSync(reading.path).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  const to = Math.min(size, limit);
  if (to <= reading.fed) return 0;
  const handle = await open(reading.path, 'r');
  const buffer = Buffer.allocUnsafe(Math.max(TAIL_BYTES, Math.min(READ_BYTES, to - reading.fed)));
  let total = 0;
  try {
    // A restarted receiver writes the file again from its start: the same bytes, unless the server rewrote it.
    const { tail } = reading;
    const { bytesRead } = await handle.read(buffer, 0, tail.length, reading.fed - tail.length);
    if (!buffer.subarray(0, bytesRead).equals(tail)) throw new MirrorRewritten();
    while (reading.fed < to) {
      const pendingBytes = reading.pending.length > 0 ? reading.pending[reading.pending.length - 1]!.end - reading.sealed : 0;
      if (pendingBytes > PIECE_MAX_BYTES) break;
      const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, to - reading.fed), reading.fed);
      // A restarted receiver rewrites the file from its start: what is not there yet is read later.
      if (bytesRead === 0) break;
      reading.indexer.push(buffer.subarray(0, bytesRead));
      reading.fed += bytesRead;
      total += bytesRead;
      reading.tail = Buffer.from(buffer.subarray(Math.max(0, bytesRead - TAIL_BYTES), bytesRead));
    }
  } finally {
    await handle.close();
  }
  return total;
}

/** Feeds what the mirror holds past the reading; false when the mirror was rewritten under it. */
async function fedAgain(reading: FileReading): Promise<boolean> {
  try {
    await feed(reading);
    return true;
  } catch (err) {
    if (err instanceof MirrorRewritten) return false;
    throw err;
  }
}

/** The SHA-256 of a file's bytes from `start` to `end`; undefined when it holds fewer (being received again). */
async function sha256Of(path: string, start: number, end: number): Promise<string | undefined> {
  const hash = createHash('sha256');
  let bytes = 0;
  if (end > start) {
    for await (const chunk of createReadStream(path, { start, end: end - 1 })) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
  }
  return bytes === end - start ? hash.digest('hex') : undefined;
}

/**
 * A reading positioned where the archive's newest piece ends (`after`, of a file not closed);
 * undefined while the mirror holds less. Refuses a mirror whose bytes there are not the piece's:
 * the server wrote that binlog name again (a reset).
 */
async function readingAt(config: AgentConfig, after: SegmentEnd): Promise<FileReading | undefined> {
  const { serverKey, file, endOffset: offset } = after;
  const reading = startReading(config, serverKey, file);
  if (offset === 0) return reading;
  await feed(reading, offset);
  if (reading.fed < offset) return undefined;
  if (after.sha256 !== undefined && after.startOffset !== undefined) {
    const mirrored = await sha256Of(reading.path, after.startOffset, offset);
    if (mirrored === undefined) return undefined;
    if (mirrored !== after.sha256) {
      throw new BinlogsResetError(
        `the stream received other bytes for ${file} of server ${serverKey} than the archive holds from offset ${after.startOffset} to ${offset} (SHA-256 ${mirrored}, archived as ${after.sha256}): the server wrote that binlog again`,
      );
    }
  }
  if (reading.indexer.position !== offset || reading.indexer.midTransaction) {
    throw new BinlogStreamStalledError(
      `the mirror of ${file} of server ${serverKey} does not end a transaction at ${offset}, where its archived piece ends: it is being received again`,
    );
  }
  const { flavor, previousGtids } = reading.indexer.summarySoFar();
  reading.previous = historyAfter(flavor, previousGtids, pieceGtids(flavor, reading.pending));
  reading.pending = [];
  reading.sealed = offset;
  return reading;
}

const sequenceOf = (name: string): number => parseBinlogName(name).sequence;

/** The first binlog of a server's mirror after `file` (from its first when undefined). */
function nextMirrored(config: AgentConfig, serverKey: string, file: string | undefined): string | undefined {
  const names = inBinlogOrder([...mirroredSizes(readingStream(config, serverKey)).keys()].map((name) => ({ name })));
  return names.find((f) => file === undefined || sequenceOf(f.name) > sequenceOf(file))?.name;
}

/** The reading that continues the stream after `after`; undefined while the mirror holds nothing to continue with. */
async function continuing(config: AgentConfig, after: SegmentEnd | null): Promise<FileReading | undefined> {
  const followed = followedServer(config);
  if (after !== null && !after.closesFile) {
    const reading = await readingAt(config, after);
    // An agent started after a failover holds nothing of the server the stream left.
    if (reading !== undefined || followed === undefined || followed === after.serverKey) return reading;
  }
  const next = after === null ? undefined : nextMirrored(config, after.serverKey, after.file);
  if (after !== null && next !== undefined) return startReading(config, after.serverKey, next);
  if (followed === undefined || followed === after?.serverKey) return undefined;
  const first = nextMirrored(config, followed, undefined);
  return first === undefined ? undefined : startReading(config, followed, first);
}

/**
 * Whether a reading's file has nothing more to come, though it holds nothing to seal: the
 * server closed it (its Rotate event sealed), crashed before writing one (the server's list
 * shows it no longer than what was read, and the mirror has the next file), or the stream now
 * follows another server (a failover: the old file's unfinished tail never completes).
 */
async function finished(config: AgentConfig, reading: FileReading): Promise<boolean> {
  if (reading.indexer.endsFile && reading.sealed === reading.indexer.position) return true;
  const followed = followedServer(config);
  if (followed !== undefined && followed !== reading.serverKey) return true;
  if (nextMirrored(config, reading.serverKey, reading.file) === undefined || reading.indexer.midTransaction) return false;
  if (reading.fed !== reading.indexer.position || statSync(reading.path).size !== reading.fed) return false;
  if (Date.now() - reading.listedAt < SERVER_LIST_MS) return false;
  reading.listedAt = Date.now();
  const listed = (await withDatabase(config.database, listBinlogs)).find((f) => f.name === reading.file);
  return listed === undefined || listed.sizeBytes === reading.fed;
}

/** What follows a finished reading: the next file of its server's mirror, or of the server the stream follows now. */
function successor(config: AgentConfig, reading: FileReading): FileReading | undefined {
  const followed = followedServer(config) ?? reading.serverKey;
  if (followed !== reading.serverKey) {
    const first = nextMirrored(config, followed, undefined);
    return first === undefined ? undefined : startReading(config, followed, first);
  }
  const next = nextMirrored(config, reading.serverKey, reading.file);
  return next === undefined ? undefined : startReading(config, reading.serverKey, next);
}

function serverOf(flavor: 'mysql' | 'mariadb', serverKey: string, serverId: number): BinlogServer {
  return { key: serverKey, uuid: flavor === 'mysql' ? serverKey : undefined, id: serverId };
}

/** Uploads a piece and its transaction index, from the mirror, checking that the bytes read are the piece's. */
async function uploadPiece(
  config: AgentConfig,
  ref: ArchiveRef,
  reading: FileReading,
  piece: PieceBounds,
  signal: AbortSignal,
): Promise<SealedPiece> {
  const file = reading.indexer.summarySoFar();
  const previous = reading.previous ?? file.previousGtids;
  const gtids = pieceGtids(file.flavor, piece.transactions);
  const server = serverOf(file.flavor, reading.serverKey, file.serverId);
  const retries = new RetryTally();
  const services = artifactServicesFromConfig(config, { onRetry: retries.onRetry });
  const stagingDir = join(config.stagingDir, 'binlog-archive');
  mkdirSync(stagingDir, { recursive: true });
  const indexPath = indexStagingPath(stagingDir, server.key, `${reading.file}+${piece.start}`);
  try {
    const key = segmentPieceKey(services.prefix, ref, server.key, reading.file, piece.start);
    const hash = createHash('sha256');
    let bytesRead = 0;
    async function* pieceBytes(): AsyncGenerator<Buffer> {
      for await (const chunk of createReadStream(reading.path, { start: piece.start, end: piece.end - 1, highWaterMark: 1024 * 1024 })) {
        hash.update(chunk as Buffer);
        bytesRead += (chunk as Buffer).length;
        yield chunk as Buffer;
      }
    }
    const packed = await packArtifact({
      store: services.store,
      key,
      tenant: ref.tenantId,
      keys: services.keys,
      encoding: uploadEncoding(config),
      openInput: pieceBytes,
      signal,
    });
    if (bytesRead !== piece.end - piece.start) {
      throw new BinlogStreamStalledError(
        `the mirror of ${reading.file} of server ${server.key} held ${bytesRead} of the ${piece.end - piece.start} bytes of its piece at ${piece.start} when uploaded: it is being received again`,
      );
    }
    const index = new SegmentIndexWriter(indexPath, segmentIndexHeader(reading.file, server.key, file.flavor));
    const looks = file.flavor === 'mariadb' ? arrivalLooks(dirname(reading.path), reading.file) : [];
    for (const trx of piece.transactions) index.add(looks.length > 0 ? withArrival(trx, looks, file.serverId) : trx);
    index.close();
    const indexKey = segmentIndexKey(key);
    const packedIndex = await packArtifact({
      store: services.store,
      key: indexKey,
      tenant: ref.tenantId,
      keys: services.keys,
      openInput: () => createReadStream(indexPath),
      signal,
    });
    const sha256 = hash.digest('hex');
    return {
      server,
      startOffset: piece.start,
      closesFile: piece.closesFile,
      inspected: { file: reading.file, sizeBytes: bytesRead, sha256, gtids, summary: pieceSummary(file, previous, piece, gtids) },
      uploaded: {
        objectKey: key,
        storedBytes: packed.storedBytes,
        storedSha256: packed.sha256,
        indexKey,
        indexStoredBytes: packedIndex.storedBytes,
        storageRetries: retries.count,
        readSha256: sha256,
      },
    };
  } finally {
    services.close();
    rmSync(indexPath, { force: true });
  }
}

/**
 * Seals the next piece of the stream after `after` (null: the stream's first): waits up to
 * `waitMs` for the mirror to hold a whole transaction past it, or the end of its file, then
 * uploads the piece with its index. A piece gathers what arrives for `gatherMs` from the call,
 * so a busy server's stream is sealed that often rather than at every transaction. Null when
 * nothing came within the wait.
 */
export async function sealStreamPiece(
  config: AgentConfig,
  input: ArchiveRef & { after: SegmentEnd | null; waitMs: number; gatherMs: number },
  report: (details: object) => void,
  signal: AbortSignal,
): Promise<SealedPiece | null> {
  const cacheKey = `${input.tenantId}/${input.clusterId}`;
  const from = endText(input.after);
  const cached = readings.get(cacheKey);
  let reading = cached?.after === from ? cached.reading : undefined;
  readings.delete(cacheKey);
  const started = Date.now();
  const deadline = started + input.waitMs;
  for (;;) {
    if (signal.aborted) throw signal.reason;
    reading ??= await continuing(config, input.after);
    // Read again from the archive's end, where the mirror is checked against what the archive holds.
    if (reading !== undefined && !(await fedAgain(reading))) reading = undefined;
    if (reading !== undefined) {
      const piece = nextPiece(
        reading.sealed,
        reading.pending,
        { readTo: reading.indexer.position, endsFile: reading.indexer.endsFile },
        PIECE_MAX_BYTES,
      );
      const gathering = Date.now() < started + input.gatherMs && reading.indexer.position - reading.sealed < PIECE_MAX_BYTES;
      if (piece !== undefined && !gathering) {
        report({ file: reading.file, from: piece.start, to: piece.end });
        const sealed = await uploadPiece(config, input, reading, piece, signal);
        reading.previous = sealed.inspected.summary.endPosition;
        reading.pending = reading.pending.slice(piece.transactions.length);
        reading.sealed = piece.end;
        const end: SegmentEnd = { serverKey: reading.serverKey, file: reading.file, endOffset: piece.end, closesFile: piece.closesFile };
        readings.set(cacheKey, { after: endText(end), reading });
        return sealed;
      }
      if (piece === undefined && (await finished(config, reading))) reading = successor(config, reading);
    }
    if (Date.now() >= deadline) {
      if (reading !== undefined) readings.set(cacheKey, { after: from, reading });
      return null;
    }
    await sleep(POLL_MS);
  }
}
