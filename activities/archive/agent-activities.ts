import { Context } from '@temporalio/activity';
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream';
import { MariadbBinlogState } from '../../domain/archive/mariadb-binlog-state';
import type { ArchiveSource } from '../../domain/archive/stream-mirror';
import type { ArchiveRef, InspectedSegment, UploadedSegment } from '../../domain/archive/types';
import { InvalidInputError } from '../../domain/errors';
import { BinlogIndexer } from '../../domain/binlog/binlog-indexer';
import { binlogFileSource, readBinlog } from '../../domain/binlog/reader';
import type { BinlogSummary } from '../../domain/binlog/types';
import { artifactUploadStateSchema, packArtifact } from '../../adapters/artifact/upload';
import { rateLimit } from '../backup/rate-limit';
import { artifactServicesFromConfig, uploadEncoding } from '../../adapters/config/artifact-services';
import type { AgentConfig } from '../../adapters/config/config';
import { segmentIndexKey, segmentKey } from '../../adapters/storage/layout';
import { RetryTally } from '../../adapters/storage/retry';
import { isPermissionDenied } from './binlog-access';
import { followBinlogStream, readingStream } from './binlog-mirror';
import { BinlogFileMissingError, BinlogUnreadableError } from './errors';
import { indexStagingPath, SegmentIndexWriter, segmentIndexHeader } from './segment-index';
import { sealStreamPiece } from './stream-sealer';
import { binlogPath, surveyBinlogs } from './survey';
import type { AgentArchiveActivities } from './types';
import { heartbeating, uploadHeartbeating } from '../heartbeat';

/** A read of a binlog that failed: purged by the server meanwhile, or not readable by the agent's user. */
function unreadFile(file: string, path: string, err: unknown): unknown {
  if (isPermissionDenied(err)) return new BinlogUnreadableError('binlog', path, err);
  if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return err;
  return new BinlogFileMissingError(`binlog ${file} is no longer at ${path}: the server purged it during this archive pass`, {
    hint: 'nothing to do now: the next pass records it as a gap if its transactions are missing from the archive',
    terminal: true,
    cause: err,
  });
}

/** What one read of a binlog produces while its bytes go to the uploader. */
interface UploadRead {
  hash: Hash;
  indexer: BinlogIndexer;
  index: SegmentIndexWriter;
}

async function* observed(source: AsyncIterable<Buffer>, read: UploadRead): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    read.hash.update(chunk);
    read.indexer.push(chunk);
    yield chunk;
  }
}

/**
 * The agent's settings for reading a cluster's binlogs from `source`: from the stream's mirror
 * of the server, or from the server's folder, which an agent set up to stream cannot read.
 */
function readingFrom(config: AgentConfig, ref: ArchiveRef, source: ArchiveSource | undefined, serverKey: string | undefined): AgentConfig {
  if (source === 'stream') {
    if (serverKey === undefined) throw new InvalidInputError('reading streamed binlogs needs the server that wrote them');
    return readingStream(config, serverKey);
  }
  if (config.database.archiveSource === 'stream') {
    throw new InvalidInputError(
      `cluster ${ref.clusterId} archives binlogs from the server's folder, but this agent is set up to stream them (database.archiveSource "stream")`,
      {
        hint: `register the cluster with \`pitr cluster add … --archive stream\` and start its stream with \`pitr binlogs stream\`, or set database.archiveSource to "files" where the agent can read the binlogs`,
      },
    );
  }
  return config;
}

export function createAgentArchiveActivities(config: AgentConfig): AgentArchiveActivities {
  const stagingDir = join(config.stagingDir, 'binlog-archive');

  /** Reads a closed binlog once: its SHA-256, GTIDs and summary, reporting the bytes read. */
  async function inspectSegment(reading: AgentConfig, file: string, report: (details: object) => void): Promise<InspectedSegment> {
    const path = binlogPath(reading, file);
    const hash = createHash('sha256');
    let bytesRead = 0;
    async function* hashed(): AsyncGenerator<Buffer> {
      for await (const chunk of binlogFileSource(path)) {
        hash.update(chunk);
        bytesRead += chunk.length;
        report({ file, bytesRead });
        yield chunk;
      }
    }
    // MariaDB's continuity needs the last GTID of every server in each domain, not only the domain's last.
    const lastOfEachServer = new Map<string, string>();
    let summary: BinlogSummary;
    try {
      summary = await readBinlog(hashed(), {
        name: file,
        onTransaction: ({ gtid }) => {
          if (gtid !== null && config.database.flavor === 'mariadb') lastOfEachServer.set(gtid.slice(0, gtid.lastIndexOf('-')), gtid);
        },
      });
    } catch (err) {
      throw unreadFile(file, path, err);
    }
    const gtids =
      summary.flavor === 'mysql' ? summary.gtids : MariadbBinlogState.parse([...lastOfEachServer.values()].join(',')).toString();
    return { file, sizeBytes: summary.bytes, sha256: hash.digest('hex'), gtids, summary };
  }

  return {
    surveyBinlogs: ({ rpoSeconds, newestArchived, source, piecesSealed, ...ref }) =>
      heartbeating('survey', () => {
        // The server is known once surveyed: only the folder check comes first.
        if (source !== 'stream') readingFrom(config, ref, source, undefined);
        return surveyBinlogs(config, rpoSeconds, newestArchived, source, piecesSealed !== true);
      }),

    inspectSegment: ({ file, source, server, ...ref }) =>
      heartbeating('inspect', (report) => inspectSegment(readingFrom(config, ref, source, server?.key), file, report)),

    sealStreamPiece: (input) =>
      heartbeating('seal', (report) => sealStreamPiece(config, input, report, Context.current().cancellationSignal)),

    followBinlogStream: ({ runForSeconds, newestArchived, ...ref }) =>
      heartbeating('stream', (report) =>
        followBinlogStream(
          config,
          { ...ref, newestArchived, runForMs: runForSeconds * 1000 },
          (progress) => report(progress),
          Context.current().cancellationSignal,
        ),
      ),

    /**
     * One read of the file feeds the uploader, the SHA-256 and the per-transaction index.
     * Upload progress is heartbeat detail, so an agent restarted mid-upload resumes it.
     */
    async uploadSegment({ tenantId, clusterId, server, file, source }): Promise<UploadedSegment> {
      const path = binlogPath(readingFrom(config, { tenantId, clusterId }, source, server.key), file);
      const retries = new RetryTally();
      const services = artifactServicesFromConfig(config, { onRetry: retries.onRetry });
      mkdirSync(stagingDir, { recursive: true });
      const indexPath = indexStagingPath(stagingDir, server.key, file);
      let read: UploadRead | undefined;
      try {
        const key = segmentKey(services.prefix, { tenantId, clusterId }, server.key, file);
        const resume = artifactUploadStateSchema.safeParse(Context.current().info.heartbeatDetails as unknown);
        const packed = await uploadHeartbeating((report) =>
          packArtifact({
            store: services.store,
            key,
            tenant: tenantId,
            keys: services.keys,
            encoding: uploadEncoding(config),
            openInput: () => {
              read?.index.close();
              const current: UploadRead = {
                hash: createHash('sha256'),
                indexer: new BinlogIndexer((trx) => current.index.add(trx), file),
                index: new SegmentIndexWriter(indexPath, segmentIndexHeader(file, server.key, config.database.flavor)),
              };
              read = current;
              const bytes = createReadStream(path, { highWaterMark: 1024 * 1024 });
              const limit = config.throttle.uploadMBps;
              // pipeline() hands a failure of either stream to the one the uploader reads.
              return observed(limit ? pipeline(bytes, rateLimit(limit * 1024 * 1024), () => undefined) : bytes, current);
            },
            ...(resume.success && resume.data.key === key ? { resume: resume.data } : {}),
            onProgress: (state) => report(state),
            signal: Context.current().cancellationSignal,
          }),
        ).catch((err: unknown) => {
          throw unreadFile(file, path, err);
        });
        const done = read!;
        done.indexer.finish();
        done.index.close();
        const indexKey = segmentIndexKey(key);
        const index = await packArtifact({
          store: services.store,
          key: indexKey,
          tenant: tenantId,
          keys: services.keys,
          openInput: () => createReadStream(indexPath),
          signal: Context.current().cancellationSignal,
        });
        return {
          objectKey: key,
          storedBytes: packed.storedBytes,
          storedSha256: packed.sha256,
          indexKey,
          indexStoredBytes: index.storedBytes,
          storageRetries: retries.count,
          // The central worker compares it with the inspection's and raises the alert, where the catalog is.
          readSha256: done.hash.digest('hex'),
          partsReused: packed.partsReused,
          ...(packed.resumeRejected === undefined ? {} : { resumeRejected: packed.resumeRejected }),
        };
      } finally {
        services.close();
        read?.index.close();
        rmSync(indexPath, { force: true });
      }
    },
  };
}
