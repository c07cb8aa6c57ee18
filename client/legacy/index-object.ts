import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MariadbBinlogState } from '../../domain/archive/mariadb-binlog-state';
import { isoMicros } from '../../domain/archive/recoverable';
import { binlogServerKey } from '../../domain/archive/types';
import { BinlogCorruptError, BinlogUnsupportedError } from '../../domain/binlog/errors';
import { PitrError } from '../../domain/errors';
import { readBinlog } from '../../domain/binlog/reader';
import type { BinlogTime } from '../../domain/binlog/types';
import type { Flavor } from '../../domain/backup';
import { contentKindOf, SNIFF_BYTES } from '../../domain/legacy/object-kind';
import { packArtifact } from '../../adapters/artifact/upload';
import { SegmentIndexWriter, segmentIndexHeader } from '../../activities/archive/segment-index';
import type { NewLegacyBackup, NewLegacySegment } from '../../adapters/catalog/legacy';
import { DumpLineScanner, DumpTap } from '../../adapters/engines/dump-scanner';
import type { DataKeySource } from '../../adapters/keys/tenant-keys';
import type { ObjectInfo, ObjectStore } from '../../adapters/storage/object-store';
import { legacyIndexKey } from '../../adapters/storage/layout';
import { peekBytes, readLegacyObject, type LegacyObjectRead } from './read-object';

export type IndexedObject =
  | { kind: 'backup'; backup: NewLegacyBackup }
  | { kind: 'segment'; segment: NewLegacySegment }
  | { kind: 'rejected'; reason: string };

export interface IndexContext {
  store: ObjectStore;
  keys: DataKeySource;
  /** The product's own prefix: the only place import writes (transaction indexes). */
  productPrefix: string;
  tenantId: string;
  clusterId: string;
  flavor: Flavor;
  legacyPrefix: string;
}

/** What identifies the stored object, once its content has been read to the end. */
function storedFacts(
  info: ObjectInfo,
  read: LegacyObjectRead,
): Pick<NewLegacySegment, 'objectKey' | 'etag' | 'storedBytes' | 'storedSha256' | 'compression'> {
  const stored = read.stored();
  return { objectKey: info.key, etag: info.etag, storedBytes: stored.bytes, storedSha256: stored.sha256, compression: read.compression };
}

const timeOf = (t: BinlogTime | null): string | null => (t === null ? null : isoMicros(t.micros));

async function indexBinlog(
  ctx: IndexContext,
  info: ObjectInfo,
  read: LegacyObjectRead,
  content: AsyncIterable<Buffer>,
): Promise<IndexedObject> {
  const file = info.key.slice(ctx.legacyPrefix.length);
  const dir = mkdtempSync(join(tmpdir(), 'pitr-legacy-'));
  const indexPath = join(dir, 'index.jsonl');
  const index = new SegmentIndexWriter(indexPath, segmentIndexHeader(file, 'legacy', ctx.flavor));
  const hash = createHash('sha256');
  // MariaDB's continuity needs the last GTID of every server in each domain, not only the domain's last.
  const lastOfEachServer = new Map<string, string>();
  async function* hashed(): AsyncGenerator<Buffer> {
    for await (const chunk of content) {
      hash.update(chunk);
      yield chunk;
    }
  }
  try {
    const summary = await readBinlog(hashed(), {
      name: file,
      onTransaction: (trx) => {
        index.add(trx);
        if (trx.gtid !== null && ctx.flavor === 'mariadb') lastOfEachServer.set(trx.gtid.slice(0, trx.gtid.lastIndexOf('-')), trx.gtid);
      },
    }).catch((err: unknown) => {
      if (err instanceof BinlogCorruptError || err instanceof BinlogUnsupportedError) return err;
      throw err;
    });
    index.close();
    if (!('flavor' in summary)) return { kind: 'rejected', reason: summary.message };
    if (summary.flavor !== ctx.flavor)
      return { kind: 'rejected', reason: `a ${summary.flavor} binlog, but cluster ${ctx.clusterId} is ${ctx.flavor}` };
    if (summary.unfinishedTransactionAt !== null) {
      return {
        kind: 'rejected',
        reason: `the binlog ends inside a transaction (starting at offset ${summary.unfinishedTransactionAt}): uploaded while the server was still writing it`,
      };
    }
    const sha256 = hash.digest('hex');
    const indexKey = legacyIndexKey(ctx.productPrefix, ctx, sha256);
    await packArtifact({
      store: ctx.store,
      key: indexKey,
      tenant: ctx.tenantId,
      keys: ctx.keys,
      openInput: () => createReadStream(indexPath),
    });
    return {
      kind: 'segment',
      segment: {
        ...storedFacts(info, read),
        serverKey: binlogServerKey(undefined, summary.serverId),
        serverId: summary.serverId,
        file,
        previousGtids: summary.previousGtids,
        gtids: summary.flavor === 'mysql' ? summary.gtids : MariadbBinlogState.parse([...lastOfEachServer.values()].join(',')).toString(),
        firstGtid: summary.firstGtid,
        lastGtid: summary.lastGtid,
        transactions: summary.transactions,
        firstCommitAt: timeOf(summary.firstCommitTime),
        lastCommitAt: timeOf(summary.lastCommitTime),
        sizeBytes: summary.bytes,
        sha256,
        indexKey,
      },
    };
  } finally {
    index.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The dump scanner, also keeping the tool's closing comment as written. */
class TrailerScanner extends DumpLineScanner {
  trailer: string | undefined;

  override line(text: string): void {
    if (text.startsWith('-- Dump completed')) this.trailer = text.slice(3);
    super.line(text);
  }
}

async function indexDump(
  ctx: IndexContext,
  info: ObjectInfo,
  read: LegacyObjectRead,
  content: AsyncIterable<Buffer>,
  dumpFlavor: Flavor,
): Promise<IndexedObject> {
  const scanner = new TrailerScanner(dumpFlavor);
  const tap = new DumpTap(scanner);
  await pipeline(Readable.from(content), tap, new Writable({ write: (_chunk, _encoding, done) => done() }));
  const found = scanner.result();
  const tool = dumpFlavor === 'mysql' ? 'mysqldump' : 'mariadb-dump';
  if (dumpFlavor !== ctx.flavor) return { kind: 'rejected', reason: `a ${tool} file, but cluster ${ctx.clusterId} is ${ctx.flavor}` };
  if (scanner.trailer === undefined)
    return { kind: 'rejected', reason: `no "-- Dump completed" trailer: the ${tool} file is truncated or the dump failed` };
  if (found.gtid === undefined || found.gtid === '') {
    const option = dumpFlavor === 'mysql' ? '--set-gtid-purged=ON' : '--gtid --master-data';
    return {
      kind: 'rejected',
      reason: `no ${dumpFlavor === 'mysql' ? 'SET @@GLOBAL.GTID_PURGED' : 'gtid_slave_pos'} in the dump: it has no GTID coordinate to replay binlogs from (dumps need ${option})`,
    };
  }
  return {
    kind: 'backup',
    backup: {
      ...storedFacts(info, read),
      engine: tool,
      gtidExecuted: found.gtid,
      sizeBytes: tap.bytes,
      // The object's LastModified, not the trailer: the trailer is the dumping host's local
      // time without a zone, while LastModified is UTC and never earlier than the snapshot the
      // coordinate names, so a plan never picks this dump for an instant before its coordinate.
      finishedAt: isoMicros(info.lastModified.getTime() * 1000),
      completedText: scanner.trailer,
    },
  };
}

/** Reads one object once and says what it is: a binlog, a dump with its coordinate, or why it cannot be used. */
export async function indexLegacyObject(ctx: IndexContext, info: ObjectInfo): Promise<IndexedObject> {
  const read = await readLegacyObject(ctx.store, info.key);
  try {
    const peeked = await peekBytes(read.content, SNIFF_BYTES);
    const kind = contentKindOf(peeked.head);
    if (kind.kind === 'binlog') return await indexBinlog(ctx, info, read, peeked.all);
    if (kind.kind === 'dump') return await indexDump(ctx, info, read, peeked.all, kind.flavor);
    await peeked.close();
    return { kind: 'rejected', reason: read.compression === 'none' ? kind.reason : `${read.compression}-compressed, but ${kind.reason}` };
  } catch (err) {
    // Storage failures end the import; anything else thrown while reading compressed content is the decompressor refusing it.
    if (err instanceof PitrError || read.compression === 'none') throw err;
    await read.close();
    return { kind: 'rejected', reason: `its ${read.compression} content cannot be decompressed: ${(err as Error).message}` };
  }
}
