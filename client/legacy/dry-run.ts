import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PitrError } from '../../domain/errors';
import type { RestoredState } from '../../domain/legacy/compare';
import type { RestorePlan } from '../../domain/restore/plan';
import { applyBinlogs } from '../../adapters/apply';
import type { ArtifactServices } from '../../adapters/artifact/services';
import type { CentralConfig } from '../../adapters/config/config';
import { connectionOf, restoreBackup } from '../../adapters/engines';
import { DUMP_FILE } from '../../adapters/engines/dump-engine';
import { readGtidState } from '../../adapters/engines/gtid-state';
import { withSql } from '../../adapters/engines/sql-connection';
import { userTables } from '../../adapters/engines/system-schemas';
import type { DbInstance } from '../../adapters/servers/db-instance';
import { restoredServerOn, restoreVerifiedBase, verifiedManifest } from '../../activities/restore/base';
import { fetchArchivedSegments } from '../../activities/restore/fetch';
import type { ProvisionedSite, RestoreProvisioner } from '../../activities/restore/provisioner';
import { readLegacyObject } from './read-object';

/** A legacy object no longer holds the bytes import indexed: the older system's archive changed under the migration. */
export class LegacyObjectChangedError extends PitrError {}

/** Streams a legacy object, decompressed, to a local file; refuses it unless its stored bytes are the ones import indexed. */
async function fetchLegacyObject(store: ArtifactServices['store'], key: string, storedSha256: string, path: string): Promise<void> {
  const read = await readLegacyObject(store, key);
  await pipeline(Readable.from(read.content), createWriteStream(path));
  const stored = read.stored();
  if (stored.sha256 !== storedSha256) {
    throw new LegacyObjectChangedError(`legacy object ${key} has SHA-256 ${stored.sha256}, but import indexed ${storedSha256}`, {
      hint: 'the older system changed its archive: run `pitr legacy import` again and look at what it reports as changed',
      terminal: true,
    });
  }
}

/** The base and binlogs of a legacy plan, restored on the provisioned site: the dump loaded, the binlogs applied to the plan's stop. */
export async function restoreLegacyPlan(
  services: Pick<ArtifactServices, 'store'>,
  plan: RestorePlan,
  site: ProvisionedSite,
  signal: AbortSignal,
): Promise<DbInstance> {
  mkdirSync(site.payloadDir, { recursive: true });
  await fetchLegacyObject(services.store, plan.backup.artifactKey, plan.backup.storedSha256, join(site.payloadDir, DUMP_FILE));
  const server = await restoreBackup(plan.backup.engine, {
    payloadDir: site.payloadDir,
    coordinate: {
      gtidExecuted: plan.backup.gtidExecuted,
      binlogFile: '',
      binlogPosition: 0,
      source: `GTID_PURGED of legacy dump ${plan.backup.artifactKey}`,
    },
    target: restoredServerOn(site),
    signal,
  });
  if (plan.stop === null) return server;
  mkdirSync(site.binlogDir, { recursive: true });
  const files: string[] = [];
  for (const [i, segment] of plan.segments.entries()) {
    // The applier reads them as relay logs in this order; the older system's names do not matter.
    signal.throwIfAborted();
    const path = join(site.binlogDir, `legacy.${String(i + 1).padStart(6, '0')}`);
    await fetchLegacyObject(services.store, segment.objectKey, segment.storedSha256, path);
    files.push(path);
  }
  await applyBinlogs({ flavor: plan.flavor, db: connectionOf(server), binlogFiles: files, stop: plan.stop, signal });
  return server;
}

/** The product's own restore steps (as PitrRestoreWorkflow runs them), in this process, without verification or keeping. */
export async function restoreProductPlan(
  config: CentralConfig,
  services: Pick<ArtifactServices, 'store' | 'keys'>,
  plan: RestorePlan,
  site: ProvisionedSite,
  signal: AbortSignal,
): Promise<DbInstance> {
  const manifest = await verifiedManifest(config, services, plan);
  const server = await restoreVerifiedBase(services, plan, manifest, site, signal);
  if (plan.stop === null) return server;
  const { files } = await fetchArchivedSegments(services, plan, site, () => undefined, signal);
  await applyBinlogs({ flavor: plan.flavor, db: connectionOf(server), binlogFiles: files, stop: plan.stop, signal });
  return server;
}

const quoted = (name: string) => `\`${name.replace(/`/g, '``')}\``;

/** GTID state and CHECKSUM TABLE of every user table of a restored server. */
export async function restoredState(server: DbInstance, flavor: RestorePlan['flavor']): Promise<RestoredState> {
  return withSql(connectionOf(server), async (conn) => {
    const checksums: Record<string, string | null> = {};
    for (const table of await userTables(conn)) {
      const [db, name] = [table.slice(0, table.indexOf('.')), table.slice(table.indexOf('.') + 1)];
      const [rows] = await conn.query(`CHECKSUM TABLE ${quoted(db)}.${quoted(name)} EXTENDED`);
      const checksum = (rows as Array<{ Checksum: number | string | null }>)[0]?.Checksum;
      checksums[table] = checksum === null || checksum === undefined ? null : String(checksum);
    }
    return { gtidExecuted: await readGtidState(conn, flavor), checksums };
  });
}

/** Restores one side on a site of its own, reads its state, and always takes the site away again. */
export async function dryRun(
  provisioner: RestoreProvisioner,
  restoreId: string,
  plan: RestorePlan,
  restore: (site: ProvisionedSite) => Promise<DbInstance>,
): Promise<RestoredState> {
  const site = await provisioner.provision(restoreId, { flavor: plan.flavor, serverVersion: null });
  try {
    return await restoredState(await restore(site), plan.flavor);
  } finally {
    await provisioner.release(restoreId, plan.flavor);
  }
}
