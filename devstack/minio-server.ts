import { CreateBucketCommand, HeadBucketCommand } from '@aws-sdk/client-s3';
import { createS3Client } from '../adapters/storage/s3-store';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PortInUseError, runningPid, spawnDaemon, stopByPidFile, tcpOpen, waitUntilReady } from '../adapters/servers/process';
import { toolchain } from '../adapters/servers/toolchain';

export interface S3Endpoint {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  bucket: string;
}

export interface MinioSpec {
  dir: string;
  port: number;
  consolePort: number;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
}

async function minioLive(endpoint: string): Promise<boolean> {
  const res = await fetch(`${endpoint}/minio/health/live`, { signal: AbortSignal.timeout(1000) });
  return res.ok;
}

export async function ensureBucket(s3: S3Endpoint): Promise<void> {
  const client = createS3Client(s3);
  try {
    await client.send(new HeadBucketCommand({ Bucket: s3.bucket }));
  } catch {
    await client.send(new CreateBucketCommand({ Bucket: s3.bucket }));
  } finally {
    client.destroy();
  }
}

export const minioPidFile = (dir: string): string => join(dir, 'minio.pid');

/** A real S3 server (MinIO) on loopback, with the product's bucket created. */
export async function startMinio(spec: MinioSpec): Promise<S3Endpoint> {
  const pidFile = minioPidFile(spec.dir);
  const logFile = join(spec.dir, 'minio.log');
  const endpoint = `http://127.0.0.1:${spec.port}`;
  const info: S3Endpoint = {
    endpoint,
    region: 'us-east-1',
    accessKeyId: spec.accessKeyId,
    secretAccessKey: spec.secretAccessKey,
    bucket: spec.bucket,
  };
  if (runningPid(pidFile) === undefined) {
    for (const port of [spec.port, spec.consolePort]) {
      if (await tcpOpen(port)) throw new PortInUseError('MinIO', port);
    }
    mkdirSync(join(spec.dir, 'data'), { recursive: true });
    const pid = spawnDaemon({
      name: 'minio',
      command: toolchain().minio,
      args: [
        'server',
        join(spec.dir, 'data'),
        '--address',
        `127.0.0.1:${spec.port}`,
        '--console-address',
        `127.0.0.1:${spec.consolePort}`,
        '--quiet',
      ],
      env: { MINIO_ROOT_USER: spec.accessKeyId, MINIO_ROOT_PASSWORD: spec.secretAccessKey, MINIO_BROWSER: 'on' },
      logFile,
      pidFile,
    });
    await waitUntilReady('MinIO', pid, logFile, () => minioLive(endpoint), 60_000);
  }
  await ensureBucket(info);
  return info;
}

export async function stopMinio(dir: string): Promise<boolean> {
  return stopByPidFile(minioPidFile(dir));
}

export { minioLive };
