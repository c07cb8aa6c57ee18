import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after } from 'node:test';
import type { Connection } from 'mysql2/promise';
import { connectionOf, packPayload, restoreBackup, runBackup, unpackPayload } from '../../../adapters/engines';
import { connectSql, withSql } from '../../../adapters/engines/sql-connection';
import type { BackupOptions, BackupResult, EngineName } from '../../../adapters/engines/types';
import { stopDbInstance, type DbInstance, type Flavor } from '../../../adapters/servers/db-instance';
import { testStack } from '../../harness/env';
import { freshDbInstance, INSTANCES_DIR } from '../../harness/instances';

/** The writer's transactions carry GTIDs of their own, so row `seq` = k is exactly transaction k. */
export const WRITER_UUID = 'aaaaaaaa-bbbb-cccc-dddd-000000000001';
export const WRITER_DOMAIN = 7;

export const USER_TABLES = ['app.accounts', 'app.events'];

/**
 * A fresh server with two tables, a view (not a table) and a few rows. Commits skip their
 * fsyncs so the writer commits hundreds of transactions during even a short backup.
 */
export async function seededSource(flavor: Flavor): Promise<DbInstance> {
  const source = await freshDbInstance(flavor, {
    serverId: flavor === 'mysql' ? 11 : 12,
    extraArgs: ['--sync-binlog=0', '--innodb-flush-log-at-trx-commit=2'],
  });
  await withSql(connectionOf(source), async (conn) => {
    await conn.query('CREATE DATABASE app');
    await conn.query('CREATE TABLE app.accounts (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL)');
    await conn.query("INSERT INTO app.accounts VALUES (1, 'ada'), (2, 'grace')");
    await conn.query('CREATE TABLE app.events (seq INT PRIMARY KEY, note VARCHAR(64) NOT NULL)');
    await conn.query('CREATE VIEW app.recent_events AS SELECT seq FROM app.events WHERE seq > 100');
  });
  return source;
}

/**
 * Commits one small transaction after another, transaction k inserting row k under the GTID
 * WRITER_UUID:k (MySQL) or 7-<server>-k (MariaDB), until stopped.
 */
export class SequencedWriter {
  committed = 0;
  private stopping = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly source: DbInstance) {}

  async start(): Promise<void> {
    const conn = await connectSql(connectionOf(this.source));
    if (this.source.flavor === 'mariadb') await conn.query(`SET SESSION gtid_domain_id = ${WRITER_DOMAIN}`);
    this.loop = this.run(conn).finally(() => conn.end());
  }

  async untilCommitted(count: number): Promise<void> {
    while (this.committed < count) await sleep(10);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
  }

  private async run(conn: Connection): Promise<void> {
    while (!this.stopping) {
      const k = this.committed + 1;
      if (this.source.flavor === 'mysql') await conn.query(`SET gtid_next = '${WRITER_UUID}:${k}'`);
      else await conn.query(`SET SESSION gtid_seq_no = ${k}`);
      await conn.query('INSERT INTO app.events VALUES (?, ?)', [k, `event ${k}`]);
      this.committed = k;
      // Keeps the table at a few thousand rows over a backup of several seconds.
      await sleep(2);
    }
  }
}

/** How many writer transactions a GTID set/position holds; they must be exactly 1..n, without gaps. */
export function writerTransactionsIn(flavor: Flavor, gtid: string): number {
  const entries = gtid.replace(/\s+/g, '').split(',').filter(Boolean);
  if (flavor === 'mysql') {
    const entry = entries.find((e) => e.startsWith(`${WRITER_UUID}:`));
    if (entry === undefined) return 0;
    const match = /^[^:]+:1(?:-(\d+))?$/.exec(entry);
    assert.ok(match, `the writer's transactions in ${gtid} are not one interval from 1`);
    return Number(match[1] ?? 1);
  }
  const entry = entries.find((e) => e.startsWith(`${WRITER_DOMAIN}-`));
  return entry === undefined ? 0 : Number(entry.split('-')[2]);
}

export function newStagingDir(): string {
  return mkdtempSync(join(testStack().stateDir, 'engine-staging-'));
}

/** An empty folder for a restored server, inside the harness's instances folder so a crashed run still stops it. */
export function newRestoreDir(): string {
  const root = join(testStack().stateDir, INSTANCES_DIR);
  mkdirSync(root, { recursive: true });
  const dir = mkdtempSync(join(root, 'restored-'));
  after(() => stopDbInstance(dir));
  return dir;
}

export interface ConsistencyRun {
  result: BackupResult;
  /** Writer transactions committed before runBackup was called, and when it returned. */
  committedBefore: number;
  committedAfter: number;
  progressReports: number[];
  backupMs: number;
}

/** Backs up `source` while the writer keeps committing. */
export async function backupDuringWrites(
  engine: EngineName,
  source: DbInstance,
  extra: Partial<BackupOptions> = {},
): Promise<ConsistencyRun> {
  const writer = new SequencedWriter(source);
  await writer.start();
  try {
    await writer.untilCommitted(20);
    const progressReports: number[] = [];
    const committedBefore = writer.committed;
    const started = Date.now();
    const result = await runBackup(engine, {
      db: connectionOf(source),
      stagingDir: newStagingDir(),
      onProgress: (bytes) => progressReports.push(bytes),
      ...extra,
    });
    const backupMs = Date.now() - started;
    return { result, committedBefore, committedAfter: writer.committed, progressReports, backupMs };
  } finally {
    await writer.stop();
  }
}

export interface RestoredView {
  instance: DbInstance;
  gtidState: Record<string, string>;
  eventSeqs: number[];
  accounts: number;
  restoreMs: number;
}

/** Packs the payload, unpacks it elsewhere, restores it into a new server and reads back what matters. */
export async function restoreThroughPayloadStream(engine: EngineName, result: BackupResult): Promise<RestoredView> {
  const started = Date.now();
  const payloadDir = join(newStagingDir(), 'unpacked');
  await unpackPayload(packPayload(result.payload), payloadDir);
  const instance = await restoreBackup(engine, {
    payloadDir,
    coordinate: result.coordinate,
    target: { dir: newRestoreDir(), serverId: 31 },
  });
  const restoreMs = Date.now() - started;
  return withSql(connectionOf(instance), async (conn) => {
    const variables =
      instance.flavor === 'mysql'
        ? 'SELECT @@GLOBAL.gtid_executed AS gtid_executed'
        : 'SELECT @@GLOBAL.gtid_current_pos AS gtid_current_pos, @@GLOBAL.gtid_slave_pos AS gtid_slave_pos, @@GLOBAL.gtid_binlog_state AS gtid_binlog_state';
    const [gtidRows] = await conn.query(variables);
    const [events] = await conn.query('SELECT seq FROM app.events ORDER BY seq');
    const [accounts] = await conn.query('SELECT COUNT(*) AS n FROM app.accounts');
    return {
      instance,
      gtidState: (gtidRows as Array<Record<string, string>>)[0] ?? {},
      eventSeqs: (events as Array<{ seq: number }>).map((r) => r.seq),
      accounts: Number((accounts as Array<{ n: number }>)[0]?.n),
      restoreMs,
    };
  });
}

function compactSorted(gtid: string): string {
  return gtid.replace(/\s+/g, '').split(',').filter(Boolean).sort().join(',');
}

/**
 * The whole claim for one engine: while a writer commits, the backup's coordinate lies between
 * what was committed before and after it; the restored server's GTID state is that coordinate;
 * its rows are exactly the writer transactions inside it; and the user tables are listed.
 */
export async function assertConsistentBackupAndRestore(engine: EngineName, flavor: Flavor): Promise<string> {
  const source = await seededSource(flavor);
  const run = await backupDuringWrites(engine, source);
  const { coordinate } = run.result;
  const inCoordinate = writerTransactionsIn(flavor, coordinate.gtidExecuted);
  assert.ok(run.committedAfter > run.committedBefore, 'the writer kept committing while the backup ran');
  assert.ok(
    inCoordinate >= run.committedBefore && inCoordinate <= run.committedAfter,
    `coordinate holds ${inCoordinate} writer transactions; ${run.committedBefore} were committed before the backup and ${run.committedAfter} after`,
  );
  assert.ok(
    coordinate.binlogFile !== '' && coordinate.binlogPosition > 0,
    `binlog position ${coordinate.binlogFile}:${coordinate.binlogPosition}`,
  );
  assert.deepEqual(run.result.schemaTables, USER_TABLES);
  assert.ok(run.result.bytes > 0);
  assert.ok(run.progressReports.length > 0 && (run.progressReports.at(-1) ?? 0) > 0, 'progress was reported');

  const restored = await restoreThroughPayloadStream(engine, run.result);
  if (flavor === 'mysql') {
    assert.equal(restored.gtidState.gtid_executed?.replace(/\s+/g, ''), coordinate.gtidExecuted);
  } else {
    for (const variable of ['gtid_current_pos', 'gtid_slave_pos', 'gtid_binlog_state']) {
      assert.equal(compactSorted(restored.gtidState[variable] ?? ''), compactSorted(coordinate.gtidExecuted), variable);
    }
  }
  assert.deepEqual(
    restored.eventSeqs,
    Array.from({ length: inCoordinate }, (_, i) => i + 1),
    'the restored rows are exactly the writer transactions inside the coordinate',
  );
  assert.equal(restored.accounts, 2);
  return (
    `backup ${run.backupMs} ms, restore ${restored.restoreMs} ms; writer transactions: ${run.committedBefore} before the backup, ` +
    `${inCoordinate} in its coordinate, ${run.committedAfter} when it returned`
  );
}
