import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ActivityFailure, ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { startBinlogStream } from '../../../client/binlogs/stream';
import type { Flavor } from '../../../domain/backup';
import { freshDbInstance } from '../../harness/instances';
import { startTestCentralWorkers, startTestCluster, temporalClient } from '../../harness/workers';
import { sealedThrough, streamingAgentDatabase } from './stream-harness';
import {
  archiveOf,
  canonical,
  type ClusterIds,
  ENGINE,
  executedGtids,
  insertRows,
  pitrJson,
  segmentsOf,
  sql,
  withCentralCatalog,
  writeAndRotate,
} from './archive-harness';

const centralReady = startTestCentralWorkers(['central']);

const RESET = { mysql: 'RESET BINARY LOGS AND GTIDS', mariadb: 'RESET MASTER' } as const;

async function alertsWithMessages(ids: ClusterIds): Promise<Array<{ kind: string; message: string }>> {
  return withCentralCatalog((catalog) =>
    catalog.withTenant(
      ids.tenantId,
      async (c) => (await c.query('SELECT kind, message FROM alerts WHERE cluster_id = $1 ORDER BY alert_id', [ids.clusterId])).rows,
    ),
  );
}

/**
 * A streamed server reset while its stream runs: the stream stops with the reset named and an
 * alert, and the archive keeps exactly what it held: the reset server's transactions, which
 * reuse archived GTIDs (and binlog names), never enter it as a continuation or an overlap.
 */
async function resetWhileStreaming(flavor: Flavor, name: string, before: (conn: Awaited<ReturnType<typeof sql>>) => Promise<void>) {
  await centralReady;
  const db = await freshDbInstance(flavor);
  const ids = {
    tenantId: 't-reset',
    clusterId: `c-${name}-${flavor}-${process.pid}`,
    engine: ENGINE[flavor],
    archiveSource: 'stream' as const,
  };
  await startTestCluster(db, ids, { database: await streamingAgentDatabase(db, `${name}-${flavor}`) });
  const client = await temporalClient();
  const conn = await sql(db);
  await before(conn);
  const { workflowId } = await startBinlogStream(client, ids);
  await insertRows(conn, 3);
  const archived = await sealedThrough(ids, flavor, canonical(flavor, await executedGtids(conn, flavor)));

  await conn.query(RESET[flavor]);
  // More than the archive holds, so a binlog written again under an archived name reaches past the archive's end.
  await insertRows(conn, 12);
  await conn.end();
  const failure = await client.workflow
    .getHandle(workflowId)
    .result()
    .then(
      () => assert.fail('the stream ended without a failure'),
      (err: unknown) => err,
    );
  assert.ok(failure instanceof WorkflowFailedError && failure.cause instanceof ActivityFailure, String(failure));
  const cause = failure.cause.cause;
  assert.ok(cause instanceof ApplicationFailure);
  assert.equal(cause.type, 'BinlogsResetError');
  assert.match(cause.message, /RESET BINARY LOGS AND GTIDS \/ RESET MASTER/, 'it says what happened and what to do');
  const alerts = await alertsWithMessages(ids);
  const stopped = alerts.find((a) => a.kind === 'stream-stopped');
  assert.ok(stopped, `the stream-stopped alert is raised (${JSON.stringify(alerts)})`);
  assert.match(stopped.message, /^the binlog stream stopped: \w+: BinlogsResetError: /);
  assert.deepEqual(
    segmentsOf(await archiveOf(ids)),
    archived,
    'the archive holds what it held before the reset, nothing of the reset server',
  );
  const { halted } = await pitrJson<{ halted: Array<{ kind: string; message: string }> }>(
    'recoverable',
    '--tenant',
    ids.tenantId,
    '--cluster',
    ids.clusterId,
  );
  assert.deepEqual(
    halted.map((h) => [h.kind, h.message]),
    [['stream-stopped', stopped.message]],
    'pitr recoverable says the archive halted, and why',
  );
  return cause.message;
}

for (const flavor of ['mysql', 'mariadb'] as const) {
  test(`${flavor}: a server reset while its stream runs (its binlog names start again) stops the stream with the reset named and an alert; the archive keeps what it held`, async () => {
    const message = await resetWhileStreaming(flavor, 'reset-names', (conn) => writeAndRotate(conn, 3));
    assert.match(
      message,
      /^server \S+ lists binlog\.000001, all numbered before binlog\.000002, the newest binlog the stream received of it/,
    );
  });
}

test('mysql: a server reset while the archive ends inside its only binlog, which it writes again under the same name, stops the stream: the bytes differ', async () => {
  const message = await resetWhileStreaming('mysql', 'reset-same-name', async (conn) => {
    await conn.query('CREATE DATABASE shop; CREATE TABLE shop.orders (id BIGINT AUTO_INCREMENT PRIMARY KEY, note VARCHAR(64))');
  });
  assert.match(
    message,
    /^the stream received other bytes for binlog\.000001 of server \S+ than the archive holds from offset \d+ to \d+ \(SHA-256 \w+, archived as \w+\): the server wrote that binlog again/,
  );
});
