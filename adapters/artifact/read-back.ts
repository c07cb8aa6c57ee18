import type { DataKeySource } from '../keys/tenant-keys';
import type { ObjectStore } from '../storage/object-store';
import { formatS3Url } from '../storage/s3-url';
import { ArtifactCorruptError } from './errors';
import type { EncodedHeader } from './format';
import { ArtifactReader, type ExpectedArtifact } from './reader';

const READ_BACK_BYTES = 1024 * 1024;

/**
 * Reads the start of a stored artifact back with ranged GETs (1 MiB at a time, usually two)
 * and verifies its header, its key and its first chunk, and optionally its size.
 */
export async function readBackHead(
  store: ObjectStore,
  key: string,
  keys: DataKeySource,
  expected: ExpectedArtifact & { storedBytes?: number } = {},
): Promise<EncodedHeader> {
  const artifact = formatS3Url({ bucket: store.bucket, key });
  const info = await store.head(key);
  const size = info?.size ?? 0;
  if (expected.storedBytes !== undefined && size !== expected.storedBytes) {
    throw new ArtifactCorruptError(
      { artifact, check: 'stored-size', chunkIndex: undefined, offset: size },
      `the object holds ${info ? `${size} bytes` : 'nothing'}, not the ${expected.storedBytes} bytes that were uploaded`,
    );
  }
  async function* ranges(): AsyncGenerator<Buffer> {
    for (let start = 0; start < size; ) {
      const { bytes } = await store.getRange(key, start, Math.min(size, start + READ_BACK_BYTES) - 1);
      if (bytes.length === 0) return;
      start += bytes.length;
      yield bytes;
    }
  }
  const reader = new ArtifactReader(ranges(), artifact);
  try {
    const header = await reader.open(keys, expected);
    await reader.nextChunk();
    return header;
  } finally {
    await reader.close();
  }
}
