import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { createConnection } from 'mysql2/promise';
import { signInAt } from '../../../adapters/servers/db-instance';
import { requestRestore } from '../../../client/restore/request';
import type { RestoreTarget } from '../../../domain/restore/target';
import type { PitrRestoreResult, RestoreInstanceAddress, RestoreProgress } from '../../../domain/restore/workflow-types';
import { releaseRestoreSignal, restoreProgressQuery } from '../../../workflows';

/**
 * Restores `target`, keeps the instance, runs `query` on it, then releases it: what the
 * restored server holds, and the workflow's result.
 */
export async function queryRestored<R>(
  client: Client,
  ids: { tenantId: string; clusterId: string },
  target: RestoreTarget,
  key: string,
  query: string,
): Promise<{ rows: R[]; progress: RestoreProgress; result: PitrRestoreResult }> {
  const requested = await requestRestore(client, { ...ids, target, keepForMs: 10 * 60_000, idempotencyKey: key });
  let progress: RestoreProgress;
  for (;;) {
    progress = await requested.handle.query(restoreProgressQuery);
    if (progress.phase === 'kept' || progress.phase === 'failed' || progress.phase === 'done') break;
    await sleep(250);
  }
  if (progress.phase !== 'kept') {
    const failure = await requested.handle.result().then(
      () => undefined,
      (err: Error) => (err.cause as { cause?: unknown } | undefined)?.cause ?? err,
    );
    assert.fail(`the restore ${key} is kept for inspection, but it ended ${progress.phase}: ${progress.error ?? ''} ${String(failure)}`);
  }
  const rows = await read<R>(progress.instance!, query);
  await requested.handle.signal(releaseRestoreSignal);
  return { rows, progress, result: await requested.handle.result() };
}

async function read<R>(instance: RestoreInstanceAddress, query: string): Promise<R[]> {
  const conn = await createConnection(signInAt(instance));
  try {
    const [rows] = await conn.query(query);
    return rows as R[];
  } finally {
    await conn.end();
  }
}
