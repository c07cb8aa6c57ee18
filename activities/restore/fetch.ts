import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { unpackArtifact } from '../../adapters/artifact/download';
import type { ArtifactServices } from '../../adapters/artifact/services';
import type { RestorePlan } from '../../domain/restore/plan';
import type { RestoreSite } from './provisioner';
import type { FetchedSegments } from './types';

/**
 * Downloads and decrypts the plan's archived binlogs to local files, each checked against the
 * SHA-256 the catalog recorded at upload. Files keep their names, one folder per server, in
 * stream order.
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
      destination: { file: path },
      signal,
    });
    files.push(path);
    bytes += decoded.plaintextBytes;
    onFile(files.length, bytes);
  }
  return { files, bytes };
}
