import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { migrateCatalog } from '../../adapters/catalog/migrate';
import { writeDevConfigs } from '../../devstack/dev-config';
import { ensureBucket } from '../../devstack/minio-server';
import { createDatabaseFrom, dropDatabase } from '../../devstack/postgres';
import type { StackInfo } from '../../devstack/stack';
import { ensureNamespace } from '../../devstack/temporal-server';

/**
 * A lane is what one integration test file has to itself on the shared stack, so files run in
 * parallel without seeing each other: a Temporal namespace (its own task queues, workflow ids and
 * schedules), a bucket, a catalog database, and a state folder (restore hosts, staging, keys).
 * The source servers of the stack are shared; tests start their own instances anyway.
 */
export interface Lane {
  name: string;
  stackFile: string;
  stateDir: string;
  database: string;
}

/** The catalog every lane's database is copied from: migrated once, then nobody connects to it. */
export async function migrateLaneTemplate(stack: StackInfo): Promise<void> {
  await migrateCatalog(stack.postgres.connectionString);
}

/** Copies of one template are made one at a time: a copy in progress counts as a user of the template. */
let copying: Promise<unknown> = Promise.resolve();

export async function prepareLane(stack: StackInfo, name: string): Promise<Lane> {
  const stateDir = join(stack.stateDir, 'lanes', name);
  mkdirSync(stateDir, { recursive: true });
  const temporal = { ...stack.temporal, namespace: `pitr-test-${name}` };
  const s3 = { ...stack.s3, bucket: `pitr-${name}`.slice(0, 63).replace(/-+$/, '') };
  const database = `${stack.postgres.database}_${name.replace(/-/g, '_')}`.slice(0, 63);
  const [connectionString] = await Promise.all([
    (copying = copying.catch(() => undefined).then(() => createDatabaseFrom(database, stack.postgres.database))) as Promise<string>,
    ensureNamespace(temporal),
    ensureBucket(s3),
  ]);
  const services = { ...stack, stateDir, temporal, s3, postgres: { connectionString, database } };
  const lane: StackInfo = { ...services, configs: writeDevConfigs(services) };
  const stackFile = join(stateDir, 'stack.json');
  writeFileSync(stackFile, `${JSON.stringify(lane, null, 2)}\n`, { mode: 0o600 });
  return { name, stackFile, stateDir, database };
}

export async function dropLane(lane: Lane): Promise<void> {
  await dropDatabase(lane.database);
}

/** `restore/pitr-restore.test.js` → `restore-pitr-restore`: a name valid for a namespace, a bucket and a database. */
export function laneName(relativeFile: string): string {
  return relativeFile
    .replace(/\.test\.js$/, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}
