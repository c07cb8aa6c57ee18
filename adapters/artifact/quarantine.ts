import { PitrError } from '../../domain/errors';
import type { ObjectStore } from '../storage/object-store';
import { quarantineKey, quarantineReasonKey } from '../storage/layout';
import { ArtifactIntegrityError } from './errors';

export interface QuarantineReason {
  key: string;
  quarantinedAt: string;
  error: string;
  message: string;
  hint: string | undefined;
  check: string | undefined;
  chunkIndex: number | undefined;
  offset: number | undefined;
}

/** Moves an artifact that failed verification out of the way, with the reason beside it. Returns the quarantine key. */
export async function quarantineArtifact(store: ObjectStore, prefix: string, key: string, error: Error): Promise<string> {
  const target = quarantineKey(prefix, key);
  const failure = error instanceof ArtifactIntegrityError ? error.failure : undefined;
  const reason: QuarantineReason = {
    key,
    quarantinedAt: new Date().toISOString(),
    error: error.name,
    message: error.message,
    hint: error instanceof PitrError ? error.hint : undefined,
    check: failure?.check,
    chunkIndex: failure?.chunkIndex,
    offset: failure?.offset,
  };
  await store.copy(key, target);
  await store.put(quarantineReasonKey(target), Buffer.from(`${JSON.stringify(reason, null, 2)}\n`), 'application/json');
  await store.delete(key);
  return target;
}
