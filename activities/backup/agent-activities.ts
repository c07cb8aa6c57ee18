import { Context } from '@temporalio/activity';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream';
import type { BackupRef, UploadResult } from '../../domain/backup';
import { PitrError } from '../../domain/errors';
import { artifactUploadStateSchema, packArtifact } from '../../adapters/artifact/upload';
import { artifactServicesFromConfig, uploadEncoding } from '../../adapters/config/artifact-services';
import type { AgentConfig } from '../../adapters/config/config';
import { agentConnection } from '../../adapters/engines/sql-connection';
import { packPayload, runBackup } from '../../adapters/engines';
import { completedResult } from '../../adapters/engines/staging';
import { heartbeating, uploadHeartbeating } from '../heartbeat';
import { artifactKey } from '../../adapters/storage/layout';
import { RetryTally } from '../../adapters/storage/retry';
import { captureCoordinates } from './capture';
import { prepareBackup } from './prepare';
import { rateLimit } from './rate-limit';
import type { AgentBackupActivities } from './types';

export class StagingLostError extends PitrError {}

const UPLOAD_MARKER = 'upload.json';

export function createAgentBackupActivities(config: AgentConfig): AgentBackupActivities {
  const stagingOf = (ref: BackupRef): string => join(config.stagingDir, ref.backupId.replace(/[^A-Za-z0-9._-]/g, '_'));
  const engineDir = (ref: BackupRef): string => join(stagingOf(ref), 'engine');
  const db = () => agentConnection(config.database);
  const engineResult = (ref: BackupRef) => {
    const result = completedResult(engineDir(ref), ref.engine);
    if (!result) {
      throw new StagingLostError(`the staging folder of ${ref.backupId} on this agent holds no complete ${ref.engine} backup`, {
        hint: 'the staging folder was removed or the phase ran on another host; start a new backup',
        terminal: true,
      });
    }
    return result;
  };

  return {
    prepareBackup: (ref) => heartbeating('prepare', () => prepareBackup(config, ref, stagingOf(ref))),

    async executeBackup(ref) {
      // Heartbeats go on while the tool is quiet (waiting on a lock, a clone stage): only a dead agent times out.
      const result = await heartbeating('execute', (report) =>
        runBackup(ref.engine, {
          db: db(),
          stagingDir: engineDir(ref),
          throttle: config.throttle,
          ...(config.tools[ref.engine] ? { toolPath: config.tools[ref.engine] } : {}),
          onProgress: (bytesDone) => report({ phase: 'execute', bytesDone }),
          signal: Context.current().cancellationSignal,
        }),
      );
      return { toolVersion: result.toolVersion, bytes: result.bytes, schemaTables: result.schemaTables };
    },

    captureCoordinates: (ref, options) =>
      heartbeating('capture', () =>
        captureCoordinates(config, options?.dryRun ? undefined : { ...engineResult(ref).coordinate, gtidPurged: '' }),
      ),

    async uploadArtifact(ref) {
      const marker = join(stagingOf(ref), UPLOAD_MARKER);
      const retries = new RetryTally();
      const services = artifactServicesFromConfig(config, { onRetry: retries.onRetry });
      try {
        const key = artifactKey(services.prefix, ref);
        if (existsSync(marker)) {
          const done = JSON.parse(readFileSync(marker, 'utf8')) as UploadResult;
          const stored = await services.store.head(done.key);
          if (stored?.size === done.storedBytes) return done;
        }
        const payload = engineResult(ref).payload;
        const details = Context.current().info.heartbeatDetails as unknown;
        const resume = artifactUploadStateSchema.safeParse(details);
        const packed = await uploadHeartbeating((report) =>
          packArtifact({
            store: services.store,
            key,
            tenant: ref.tenantId,
            keys: services.keys,
            encoding: uploadEncoding(config),
            openInput: () => {
              const tar = packPayload(payload);
              const limit = config.throttle.uploadMBps;
              // pipeline() hands a failure of either stream to the one the uploader reads.
              return limit ? pipeline(tar, rateLimit(limit * 1024 * 1024), () => undefined) : tar;
            },
            ...(resume.success && resume.data.key === key ? { resume: resume.data } : {}),
            onProgress: (state) => report(state),
            signal: Context.current().cancellationSignal,
          }),
        );
        const result: UploadResult = {
          bucket: services.store.bucket,
          key,
          storedBytes: packed.storedBytes,
          plainBytes: packed.plaintextBytes,
          storedSha256: packed.sha256,
          keyId: packed.dataKeyId,
          compression: { algorithm: 'zstd', level: packed.compressionLevel, workers: packed.compressionWorkers },
          chunkSize: packed.chunkSize,
          storageRetries: retries.count,
          partsReused: packed.partsReused,
          ...(packed.resumeRejected === undefined ? {} : { resumeRejected: packed.resumeRejected }),
        };
        writeFileSync(`${marker}.tmp`, JSON.stringify(result));
        renameSync(`${marker}.tmp`, marker);
        return result;
      } finally {
        services.close();
      }
    },

    async removeStaging(ref) {
      rmSync(stagingOf(ref), { recursive: true, force: true });
    },
  };
}
