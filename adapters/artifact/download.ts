import type { DataKeySource } from '../keys/tenant-keys';
import type { ObjectStore } from '../storage/object-store';
import { formatS3Url } from '../storage/s3-url';
import { decodeArtifact, type DecodeDestination, type DecodedArtifact } from './decode';
import type { ExpectedArtifact } from './reader';

export interface ReadArtifactRequest {
  store: ObjectStore;
  key: string;
  keys: DataKeySource;
  /** From the manifest: tenant, artifact id and stored SHA-256 the object must have. */
  expected?: ExpectedArtifact & { sha256?: string };
  signal?: AbortSignal;
}

/** Streams an artifact from storage, verifying every chunk, and writes the original bytes to `destination`. */
export async function unpackArtifact(request: ReadArtifactRequest & { destination: DecodeDestination }): Promise<DecodedArtifact> {
  const { body } = await request.store.getStream(request.key, request.signal);
  return decodeArtifact(body, request.destination, {
    keys: request.keys,
    artifact: formatS3Url({ bucket: request.store.bucket, key: request.key }),
    expected: request.expected,
  });
}

/** Reads and verifies a whole artifact, decompression included, without keeping its content. */
export function verifyArtifact(request: ReadArtifactRequest): Promise<DecodedArtifact> {
  return unpackArtifact({ ...request, destination: { discard: true } });
}
