import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import type { Client } from '@temporalio/client';
import { join } from 'node:path';
import { test } from 'node:test';
import { binlogMirrorDir, RECEIVER_PID_FILE } from '../../../activities/archive/binlog-mirror';
import { parseCluster, upsertCluster } from '../../../adapters/catalog/clusters';
import { startDbInstance, stopDbInstance } from '../../../adapters/servers/db-instance';
import { processStartTime, runningPid } from '../../../adapters/servers/process';
import type { Flavor } from '../../../domain/backup';
import { MysqlGtidSet } from '../../../domain/gtid';
import { SOURCE_SERVER_ARGS } from '../../../devstack/stack';
import { startBinlogStream, stopBinlogStream } from '../../../client/binlogs/stream';
import type { ClusterStatus } from '../../../client/status/cluster-status';
import { checkAgentHost } from '../../../workers/agent-start-checks';
import { recordHistory } from '../../harness/histories';
import { freshDbInstance } from '../../harness/instances';
import { withAgentHost } from '../../harness/agent-process';
import { startTcpRelay } from '../../harness/tcp-outage';
import { archiveStreamedThrough, streamingAgentDatabase } from './stream-harness';
import { waitFor } from '../../harness/wait';
import { registerTestCluster, startTestCentralWorkers, startTestCluster, temporalClient } from '../../harness/workers';
import {
  archivePass,
  canonical,
  type ClusterIds,
  ENGINE,
  executedGtids,
  failedPassType,
  alertsOf,
  indexedTransactions,
  insertRows,
  pitrJson,
  sql,
  withCentralCatalog,
  writeAndRotate,
} from './archive-harness';

const centralReady = startTestCentralWorkers(['central']);
/** The flags of a binlog's Format_description event: after the magic, in its header. */
const FDE_FLAGS_AT = 4 + 17;
const LOG_EVENT_BINLOG_IN_USE_F = 0x1;
const FLAVORS: Flavor[] = ['mysql', 'mariadb'];

/**
 * Archive passes until the archive reaches `executed` (the mirror may trail a pass by the moment
 * the receiver takes to reconnect); then every archived piece is the server's bytes at its
 * offsets, the pieces of a closed file run to its end, and every committed transaction is indexed once.
 */
async function archivedWhole(client: Client, ids: ClusterIds, flavor: Flavor, binlogDir: string, executed: string): Promise<void> {
  const central = await centralReady;
  const segments = await archiveStreamedThrough(client, ids, flavor, executed);
  for (const s of segments) {
    const file = readFileSync(join(binlogDir, s.file));
    const sha = (bytes: Buffer) =>
      createHash('sha256')
        .update(bytes.subarray(s.startOffset, s.startOffset + s.sizeBytes))
        .digest('hex');
    // The server sends a binlog it still writes without the in-use flag its own copy holds until it closes the file.
    const closed = Buffer.from(file);
    closed.writeUInt16LE(closed.readUInt16LE(FDE_FLAGS_AT) & ~LOG_EVENT_BINLOG_IN_USE_F, FDE_FLAGS_AT);
    assert.equal(s.sha256, sha(closed), `${s.file} from ${s.startOffset} is archived as the server wrote it, byte for byte`);
    if (s.closesFile) assert.equal(s.startOffset + s.sizeBytes, file.length, `${s.file}: its pieces run to its end`);
  }
  const indexes = await indexedTransactions(central, ids.tenantId, segments);
  const gtids = segments.flatMap((s) => indexes.get(s)!.map((t) => t.gtid!));
  assert.equal(new Set(gtids).size, gtids.length, 'no transaction is archived twice');
  const committed = flavor === 'mysql' ? Number(MysqlGtidSet.parse(executed).count()) : Number(executed.split('-').pop());
  assert.equal(gtids.length, committed, 'every committed transaction is indexed');
}

/** The stream's receiver as `pitr status --json` shows it to an SRE, while the stream runs (its sealer is pending beside it). */
async function streamActivity(ids: ClusterIds): Promise<ClusterStatus['running'][number]['pending'][number] | undefined> {
  const status = await pitrJson<ClusterStatus>('status', '--tenant', ids.tenantId, '--cluster', ids.clusterId);
  return status.running.find((w) => w.type === 'binlogStreamWorkflow')?.pending.find((a) => a.activity === 'followBinlogStream');
}

const RECEIVED = /^received through binlog\.\d{6} \(\d+ bytes\) of server /;

for (const flavor of FLAVORS) {
  test(`${flavor}: a server whose binlog folder the agent cannot see is archived from a stream over the replication protocol, every GTID once, across a server restart`, async () => {
    await centralReady;
    const db = await freshDbInstance(flavor);
    const ids = {
      tenantId: 't-stream',
      clusterId: `c-stream-${flavor}-${process.pid}`,
      engine: ENGINE[flavor],
      archiveSource: 'stream' as const,
    };
    const database = await streamingAgentDatabase(db, flavor);
    const config = await startTestCluster(db, ids, { database });
    await checkAgentHost(config, 'agent.json');
    await assert.rejects(
      checkAgentHost({ ...config, database: { ...database, archiveSource: 'files' } }, 'agent.json'),
      /the binlog directory .*not-mounted.* does not exist/,
      'an agent archiving from files still refuses a folder it cannot read',
    );

    const client = await temporalClient();
    let conn = await sql(db);
    await writeAndRotate(conn, 5);
    assert.equal((await startBinlogStream(client, ids)).outcome, 'started');
    assert.equal((await startBinlogStream(client, ids)).outcome, 'running', 'one stream per cluster');
    await insertRows(conn, 5);
    // An SRE sees the stream among the cluster's running workflows, with what it received.
    await waitFor('pitr status to show the stream’s progress', async () => RECEIVED.test((await streamActivity(ids))?.progress ?? ''));
    await conn.end();

    // The receiver loses its server, which comes back with a new binlog; the stream resumes.
    await stopDbInstance(db.dir);
    await startDbInstance({ flavor, dir: db.dir, port: db.port, extraArgs: [...SOURCE_SERVER_ARGS[flavor]] });
    conn = await sql(db);
    await insertRows(conn, 5);
    const executed = canonical(flavor, await executedGtids(conn, flavor));
    await conn.end();

    await archivedWhole(client, ids, flavor, db.binlogDir, executed);
    const stopped = await stopBinlogStream(client, ids);
    assert.equal(stopped.outcome, 'stopped');
    await recordHistory(client.workflow.getHandle(stopped.workflowId), `binlogStreamWorkflow.stopped-${flavor}`);
    assert.equal((await stopBinlogStream(client, ids)).outcome, 'not running');
  });
}

for (const flavor of FLAVORS) {
  test(`${flavor}: a stream whose connection goes dead without closing is restarted after its stall period, and the archive gets every GTID once`, async () => {
    await centralReady;
    const db = await freshDbInstance(flavor);
    const relay = await startTcpRelay('127.0.0.1', db.port);
    const ids = {
      tenantId: 't-stream',
      clusterId: `c-stall-${flavor}-${process.pid}`,
      engine: ENGINE[flavor],
      archiveSource: 'stream' as const,
    };
    const database = { ...(await streamingAgentDatabase(db, `stall-${flavor}`)), port: relay.port, streamStallSeconds: 2 };
    await startTestCluster(db, ids, { database });
    const client = await temporalClient();
    const conn = await sql(db);
    await writeAndRotate(conn, 3);
    await startBinlogStream(client, ids);
    await waitFor('the stream to receive', async () => RECEIVED.test((await streamActivity(ids))?.progress ?? ''));

    // A firewall forgets the replication connection: no byte and no error reach the receiver.
    relay.freezeOpen();
    await insertRows(conn, 5);
    await waitFor('pitr status to name the stall', async () =>
      /received nothing for \d+ s while the server wrote \d+ bytes it lacks .*dead without having closed/.test(
        (await streamActivity(ids))?.lastFailure ?? '',
      ),
    );
    await insertRows(conn, 3);
    const executed = canonical(flavor, await executedGtids(conn, flavor));
    await conn.end();
    await archivedWhole(client, ids, flavor, db.binlogDir, executed);
    await stopBinlogStream(client, ids);
  });
}

test('mysql: closed binlogs of a streamed cluster whose stream does not run fail the archive pass, with what to do and an alert, until it runs', async () => {
  await centralReady;
  const db = await freshDbInstance('mysql');
  const ids = { tenantId: 't-stream', clusterId: `c-no-stream-${process.pid}`, engine: ENGINE.mysql, archiveSource: 'stream' as const };
  await startTestCluster(db, ids, { database: await streamingAgentDatabase(db, 'no-stream') });
  const client = await temporalClient();
  const conn = await sql(db);
  await writeAndRotate(conn, 3);
  // Without a stream, a pass that went on would archive nothing and report success.
  const failed = archivePass(client, ids);
  assert.equal(await failedPassType(failed), 'BinlogStreamNotReceivingError');
  await assert.rejects(failed, (err: Error) => {
    const message = String((err.cause as Error | undefined)?.cause ?? err.cause);
    assert.match(
      message,
      /archives binlogs from a stream, but no stream has run on this agent: 1 closed binlog of server \S+ \(binlog\.000001\) waits to be received/,
    );
    return true;
  });
  assert.deepEqual(
    (await alertsOf(ids)).map((a) => a.kind),
    ['archive-failed'],
  );

  await startBinlogStream(client, ids);
  const executed = canonical('mysql', await executedGtids(conn, 'mysql'));
  await conn.end();
  await archivedWhole(client, ids, 'mysql', db.binlogDir, executed);
  await stopBinlogStream(client, ids);
});

test('mysql: the receiver of a killed agent outlives it; the next agent stops it and resumes the stream, every GTID archived once', async () => {
  await centralReady;
  const db = await freshDbInstance('mysql');
  const ids = { tenantId: 't-stream', clusterId: `c-stream-killed-${process.pid}`, engine: ENGINE.mysql, archiveSource: 'stream' as const };
  const config = await registerTestCluster(db, ids, { database: await streamingAgentDatabase(db, 'killed') });
  const configFile = join(config.stagingDir, '..', `${ids.clusterId}.json`);
  writeFileSync(configFile, JSON.stringify(config));
  const client = await temporalClient();
  const conn = await sql(db);
  await writeAndRotate(conn, 5);
  const [[identity]] = (await conn.query('SELECT @@server_uuid AS uuid')) as unknown as [[{ uuid: string }]];
  const receiver = join(binlogMirrorDir(config, identity.uuid), RECEIVER_PID_FILE);
  await withAgentHost(configFile, async (host) => {
    await startBinlogStream(client, ids);
    await waitFor('the receiver to start', () => runningPid(receiver) !== undefined);
    await host.crash();
    const orphan = runningPid(receiver);
    assert.ok(orphan !== undefined, 'SIGKILL leaves the agent no chance to stop its receiver');
    await insertRows(conn, 5);
    await host.restart();
    // Once the dead attempt's heartbeat times out, the new agent takes the stream over.
    await waitFor('a new receiver', () => ![undefined, orphan].includes(runningPid(receiver)), 120_000);
    assert.equal(processStartTime(orphan), undefined, 'the receiver the killed agent left is stopped');
    await insertRows(conn, 5);
    const executed = canonical('mysql', await executedGtids(conn, 'mysql'));
    await archivedWhole(client, ids, 'mysql', db.binlogDir, executed);
    await stopBinlogStream(client, ids);
  });
  await conn.end();
});

test("pitr binlogs stream refuses a cluster whose archive reads the server's folder, starting nothing", async () => {
  const ids = { tenantId: 't-stream', clusterId: `c-files-${process.pid}`, engine: ENGINE.mysql };
  await withCentralCatalog((catalog) =>
    upsertCluster(catalog, parseCluster({ tenantId: ids.tenantId, clusterId: ids.clusterId, flavor: 'mysql', defaultEngine: ids.engine })),
  );
  await assert.rejects(
    pitrJson('binlogs', 'stream', '--tenant', ids.tenantId, '--cluster', ids.clusterId),
    (err: { code: number; stderr: string }) => {
      assert.equal(err.code, 2);
      assert.match(err.stderr, /cluster c-files-\d+ archives binlogs from the server's folder, not from a stream/);
      assert.match(err.stderr, /--archive stream/);
      assert.doesNotMatch(err.stderr, /^\s+at /m, 'no stack trace');
      return true;
    },
  );
  const client = await temporalClient();
  assert.equal((await stopBinlogStream(client, ids)).outcome, 'not running', 'no stream was started');
});
