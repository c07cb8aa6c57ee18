import { InvalidInputError } from '../../domain/errors';
import { listClusters } from '../../adapters/catalog/clusters';
import { recordErasure, type TenantErasure } from '../../adapters/catalog/erasures';
import type { Catalog } from '../../adapters/catalog/catalog';
import type { ArtifactServices } from '../../adapters/artifact/services';
import { tenantKeyRecordKey } from '../../adapters/storage/layout';
import { deleteOlderVersions } from '../../adapters/keys/purge-key-versions';

export interface TenantErasureRequest {
  tenantId: string;
  erasedBy: string;
  reason: string;
}

export interface TenantErasureOutcome {
  erasure: TenantErasure;
  /** The key was already a tombstone before this call. */
  keyAlreadyErased: boolean;
  /** The catalog already held the erasure before this call. */
  alreadyRecorded: boolean;
  /** Replaced versions of the key record deleted (a versioned bucket keeps the wrapped key in them). */
  olderKeyVersionsDeleted: number;
}

/**
 * Destroys the tenant's data key (the record and any older version of it that still holds
 * the wrapped key), then records it in the catalog. In this order: a record
 * that claims an erasure the key store has not done would be a lie, whereas a destroyed key
 * without its record is completed by running the erasure again (the record then takes the
 * key's own erasure time).
 */
export async function eraseTenant(
  catalog: Catalog,
  services: Pick<ArtifactServices, 'store' | 'keys' | 'prefix'>,
  request: TenantErasureRequest,
): Promise<TenantErasureOutcome> {
  if ((await listClusters(catalog, request.tenantId)).length === 0) {
    throw new InvalidInputError(`tenant ${request.tenantId} has no cluster in the catalog: nothing of it to erase`, {
      hint: 'check the tenant id (`pitr status` and `pitr backups list` name tenants as the catalog knows them)',
    });
  }
  const destroyed = await services.keys.erase(request.tenantId);
  const olderKeyVersionsDeleted = await deleteOlderVersions(services.store, tenantKeyRecordKey(services.prefix, request.tenantId));
  const recorded = await recordErasure(catalog, {
    tenantId: request.tenantId,
    erasedAt: destroyed.erasedAt,
    erasedBy: request.erasedBy,
    reason: request.reason,
    dataKeyId: destroyed.dataKeyId ?? null,
  });
  return {
    erasure: recorded.erasure,
    keyAlreadyErased: destroyed.alreadyErased,
    alreadyRecorded: !recorded.inserted,
    olderKeyVersionsDeleted,
  };
}
