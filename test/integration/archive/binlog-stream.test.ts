import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startDbInstance, stopDbInstance } from '../../../adapters/servers/db-instance';
import type { Flavor } from '../../../domain/backup';
import { MysqlGtidSet } from '../../../domain/gtid';
import { SOURCE_SERVER_ARGS } from '../../../devstack/stack';
import { startBinlogStream, stopBinlogStream } from '../../../client/binlogs/stream';
import { checkAgentHost } from '../../../workers/agent-start-checks';
import { testStack } from '../../harness/env';
import { recordHistory } from '../../harness/histories';
import { freshDbInstance } from '../../harness/instances';
import { asOperatorsRunIt, startTestCentralWorkers, startTestCluster, temporalClient } from '../../harness/workers';
import {
  archiveOf,
  archivePass,
  canonical,
  ENGINE,
  executedGtids,
  indexedTransactions,
  insertRows,
  segmentsOf,
  setRpo,
  sql,
  writeAndRotate,
} from './archive-harness';

const centralReady = startTestCentralWorkers(['central']);
const FLAVORS: Flavor[] = ['mysql', 'mariadb'];

for (const flavor of FLAVORS) {
  test(`${flavor}: a server whose binlog folder the agent cannot see is archived from a stream over the replication protocol, every GTID once, across a server restart`, async () => {
    const central = await centralReady;
    const db = await freshDbInstance(flavor);
    const ids = {
      tenantId: 't-stream',
      clusterId: `c-stream-${flavor}-${process.pid}`,
      engine: ENGINE[flavor],
      archiveSource: 'stream' as const,
    };
    // The agent's host has no view of the server's files: only its least-privilege account over TCP.
    const database = {
      ...(await asOperatorsRunIt(db)),
      binlogDir: join(testStack().stateDir, `not-mounted-${flavor}`),
      archiveSource: 'stream' as const,
    };
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
    await conn.end();

    // The receiver loses its server, which comes back with a new binlog; the stream resumes.
    await stopDbInstance(db.dir);
    await startDbInstance({ flavor, dir: db.dir, port: db.port, extraArgs: [...SOURCE_SERVER_ARGS[flavor]] });
    conn = await sql(db);
    await insertRows(conn, 5);
    const executed = canonical(flavor, await executedGtids(conn, flavor));
    await conn.end();

    await setRpo(ids, flavor, 1);
    await sleep(1100);
    // The mirror may trail a pass by the moment the receiver takes to reconnect.
    let segments = segmentsOf(await archiveOf(ids));
    for (let pass = 0; pass < 60 && canonical(flavor, segments.at(-1)?.reachedGtids ?? '') !== executed; pass++) {
      await archivePass(client, ids);
      segments = segmentsOf(await archiveOf(ids));
      await sleep(500);
    }
    assert.equal(canonical(flavor, segments.at(-1)?.reachedGtids ?? ''), executed, 'the archive reaches every committed transaction');

    for (const s of segments) {
      const onServer = createHash('sha256')
        .update(readFileSync(join(db.binlogDir, s.file)))
        .digest('hex');
      assert.equal(s.sha256, onServer, `${s.file} is archived as the server wrote it, byte for byte`);
    }
    const indexes = await indexedTransactions(central, ids.tenantId, segments);
    const gtids = segments.flatMap((s) => indexes.get(s)!.map((t) => t.gtid!));
    assert.equal(new Set(gtids).size, gtids.length, 'no transaction is archived twice');
    const committed = flavor === 'mysql' ? Number(MysqlGtidSet.parse(executed).count()) : Number(executed.split('-').pop());
    assert.equal(gtids.length, committed, 'every committed transaction is indexed');

    const stopped = await stopBinlogStream(client, ids);
    assert.equal(stopped.outcome, 'stopped');
    await recordHistory(client.workflow.getHandle(stopped.workflowId), `binlogStreamWorkflow.stopped-${flavor}`);
    assert.equal((await stopBinlogStream(client, ids)).outcome, 'not running');
  });
}
