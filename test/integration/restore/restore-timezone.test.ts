import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { restoreWorkflowId } from '../../../client/restore/request';
import { isoMicros, microsOf } from '../../../domain/archive/recoverable';
import type { RestorePlan } from '../../../domain/restore/plan';
import { releaseRestoreSignal } from '../../../workflows';
import { testStack } from '../../harness/env';
import { freshDbInstance } from '../../harness/instances';
import { startBackup, startTestCentralWorkers, startTestCluster, temporalClient } from '../../harness/workers';
import { archivePass, ENGINE, setRpo, sql, withCentralCatalog } from '../archive/archive-harness';
import { instantBetween, OracleWriter, restoredIds } from './oracle-writer';

// The workers of this file, the source server and the restored one (both inherit this process's environment) all run in a zone with DST.
const ZONE = 'America/New_York';
process.env.TZ = ZONE;
process.env.PITR_RESTORE_DIR = join(testStack().stateDir, 'restores');
const centralReady = startTestCentralWorkers();

const run = promisify(execFile);
const cli = resolve(__dirname, '../../../client/cli.js');

async function pitr(tz: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [cli, ...args, '--config', testStack().configs.central], {
    env: { ...process.env, TZ: tz },
  });
  return stdout;
}

/** The instant as a New York wall-clock time with its offset, microseconds kept. */
function newYorkText(micros: number): string {
  const offsetMinutes = -new Date(micros / 1000).getTimezoneOffset();
  const local = new Date(micros / 1000 + offsetMinutes * 60_000).toISOString().slice(0, 19);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const hhmm = `${String(Math.floor(Math.abs(offsetMinutes) / 60)).padStart(2, '0')}:${String(Math.abs(offsetMinutes) % 60).padStart(2, '0')}`;
  return `${local}.${String(micros % 1_000_000).padStart(6, '0')}${sign}${hhmm}`;
}

test('mysql: with the workers and servers in America/New_York, a restore to an instant between two sub-second commits restores exactly the same rows and commit time as planned in UTC', async () => {
  assert.notEqual(new Date().getTimezoneOffset(), 0, `this process runs in ${ZONE}, not UTC`);
  await centralReady;
  const db = await freshDbInstance('mysql');
  const ids = { tenantId: 't-restore', clusterId: `c-tz-mysql-${process.pid}`, engine: ENGINE.mysql };
  await startTestCluster(db, ids);
  await setRpo(ids, 'mysql', 1);
  const zone = await sql(db);
  const [[server]] = (await zone.query('SELECT @@system_time_zone AS tz')) as unknown as [[{ tz: string }]];
  assert.match(server.tz, /^E[SD]T$/, 'the source server runs in New York time too');
  await zone.end();

  const writer = await OracleWriter.open(db);
  writer.start({ intervalMs: 40 });
  await sleep(1000);
  await (await startBackup({ tenantId: ids.tenantId, clusterId: ids.clusterId })).handle.result();
  const backupDoneMicros = Date.now() * 1000;
  await sleep(2000);
  const rows = await writer.stop();
  await sleep(1200);
  await archivePass(await temporalClient(), ids);

  const after = rows.filter((r) => r.micros > backupDoneMicros + 100_000);
  assert.ok(after.length >= 4, `rows were written after the backup (${after.length})`);
  const pair = Math.floor(after.length / 2);
  const [before, next] = [after[pair - 1]!, after[pair]!];
  assert.ok(next.micros - before.micros < 1_000_000, 'the two commits are sub-second apart');
  const instant = instantBetween(before, next);

  const inUtc = JSON.parse(
    await pitr('UTC', 'plan', '--tenant', ids.tenantId, '--cluster', ids.clusterId, '--to', isoMicros(instant), '--json'),
  ) as RestorePlan;
  assert.ok(inUtc.throughCommit?.endsWith('Z'));

  const key = 'new-york';
  const kept = await pitr(
    ZONE,
    'restore',
    '--tenant',
    ids.tenantId,
    '--cluster',
    ids.clusterId,
    '--to',
    newYorkText(instant),
    '--key',
    key,
    '--keep-for',
    '10',
    '--wait',
  );
  const restoreId = restoreWorkflowId(ids.tenantId, ids.clusterId, key);
  assert.match(kept, new RegExp(`^${restoreId}: kept on restore host \\S+ at \\S+:\\d+ .*applied through ${inUtc.expectedGtids}$`, 'm'));
  assert.match(
    kept,
    new RegExp(`^last transaction applied {2}${inUtc.throughGtid}, committed ${inUtc.throughCommit!.replace(/\./g, '\\.')}$`, 'm'),
    'the same UTC commit time, printed in UTC',
  );
  assert.match(kept, /^ {2}GTID state equals the plan's/m, 'the kept restore says what verification checked');
  const [, host, port, socket, user, optionFile] =
    /kept on restore host \S+ at (\S+):(\d+) \(socket (\S+), user (\S+), signs in with --defaults-file=(\S+)\)/.exec(kept)!;
  assert.deepEqual(
    await restoredIds({ host: host!, port: Number(port), socket: socket!, user: user!, optionFile: optionFile! }),
    rows.filter((r) => r.id <= before.id).map((r) => r.id),
    'exactly the rows committed at or before the instant',
  );

  const handle = (await temporalClient()).workflow.getHandle(restoreId);
  await handle.signal(releaseRestoreSignal);
  const result = await handle.result();
  assert.equal(result.throughCommit, inUtc.throughCommit);
  assert.equal(result.appliedThrough, inUtc.expectedGtids);
  assert.deepEqual([result.instance?.host, result.instance?.port], [host, Number(port)], 'the result names where the instance was kept');
  const recorded = await withCentralCatalog((catalog) =>
    catalog.withTenant(ids.tenantId, (sqlDb) =>
      sqlDb.query<{ us: string }>(
        'SELECT (extract(epoch FROM through_commit_at) * 1000000)::bigint AS us FROM restores WHERE cluster_id = $1 AND restore_id = $2',
        [ids.clusterId, restoreId],
      ),
    ),
  );
  assert.equal(Number(recorded.rows[0]!.us), microsOf(inUtc.throughCommit!), 'the catalog records the same instant');
});
