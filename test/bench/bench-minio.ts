import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { minioPidFile, type S3Endpoint, startMinio, stopMinio } from '../../devstack/minio-server';
import { freePort, runningPid } from '../../adapters/servers/process';

/** Runs `run` against a MinIO of its own, started in a folder `run` may also use, and stopped after. */
export async function withBenchMinio<T>(
  run: (stack: { s3: S3Endpoint; minioPid: number | undefined; dir: string }) => Promise<T>,
): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'pitr-bench-minio-'));
  try {
    const s3 = await startMinio({
      dir,
      port: await freePort(),
      consolePort: await freePort(),
      bucket: 'pitr-bench',
      accessKeyId: 'bench',
      secretAccessKey: randomBytes(12).toString('hex'),
    });
    return await run({ s3, minioPid: runningPid(minioPidFile(dir)), dir });
  } finally {
    await stopMinio(dir);
    rmSync(dir, { recursive: true, force: true });
  }
}
