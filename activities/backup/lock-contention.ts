import type { Connection, RowDataPacket } from 'mysql2/promise';
import type { Flavor } from '../../domain/backup';
import { queryOne } from '../../adapters/db/connect';

/** A session, as the processlist shows it: what a deferral names so an operator can act on it. */
export interface Session {
  threadId: number;
  /** The running statement; for an idle session in a transaction, its last one (when known). */
  statement: string | undefined;
  command: string | undefined;
  seconds: number;
}

export interface LockWaiter extends Session {
  /** Sessions holding the metadata lock it waits for; empty when the server cannot tell. */
  blockers: Session[];
}

export interface LockContention {
  waiters: LockWaiter[];
  longDdl: Session[];
  /** Where the waiters and blockers were read, and what that reading could not see. */
  source: string;
}

export interface ContentionLimits {
  maxLockWaiters: number;
  maxLockWaitSeconds: number;
  maxDdlSeconds: number;
}

const DDL = "'^[[:space:]]*(ALTER|CREATE|DROP|RENAME|TRUNCATE|OPTIMIZE)[[:space:]]'";

interface SessionRow {
  id: number | string;
  info: string | null;
  command: string | null;
  time: number | string | null;
}

interface Row extends RowDataPacket, SessionRow {}

function session(r: SessionRow): Session {
  return { threadId: Number(r.id), statement: r.info ?? undefined, command: r.command ?? undefined, seconds: Number(r.time ?? 0) };
}

async function sessions(conn: Connection, sql: string, params: unknown[] = []): Promise<Session[]> {
  const [rows] = await conn.query<Row[]>(sql, params);
  return rows.map(session);
}

function processlistWaiters(conn: Connection): Promise<Session[]> {
  return sessions(
    conn,
    `SELECT id, info, command, time FROM information_schema.processlist
     WHERE state LIKE 'Waiting for table metadata lock%' AND id <> CONNECTION_ID()`,
  );
}

function dedupe(list: Session[]): Session[] {
  return [...new Map(list.map((s) => [s.threadId, s])).values()];
}

interface MysqlLockRow extends RowDataPacket {
  waiterId: number | string;
  waiterSql: string | null;
  waiterCommand: string | null;
  waiterSeconds: number | string | null;
  blockerId: number | string | null;
  blockerSql: string | null;
  blockerCommand: string | null;
  blockerSeconds: number | string | null;
}

/** MySQL: pending metadata locks and the sessions granted a lock on the same object. */
async function mysqlWaiters(conn: Connection): Promise<LockWaiter[]> {
  const [rows] = await conn.query<MysqlLockRow[]>(
    `SELECT wt.PROCESSLIST_ID AS waiterId, wt.PROCESSLIST_INFO AS waiterSql, wt.PROCESSLIST_COMMAND AS waiterCommand,
            wt.PROCESSLIST_TIME AS waiterSeconds,
            ht.PROCESSLIST_ID AS blockerId, COALESCE(ht.PROCESSLIST_INFO, hs.SQL_TEXT) AS blockerSql,
            ht.PROCESSLIST_COMMAND AS blockerCommand, ht.PROCESSLIST_TIME AS blockerSeconds
       FROM performance_schema.metadata_locks w
       JOIN performance_schema.threads wt ON wt.THREAD_ID = w.OWNER_THREAD_ID
       LEFT JOIN performance_schema.metadata_locks h
         ON h.OBJECT_TYPE = w.OBJECT_TYPE AND h.OBJECT_SCHEMA <=> w.OBJECT_SCHEMA AND h.OBJECT_NAME <=> w.OBJECT_NAME
        AND h.LOCK_STATUS = 'GRANTED' AND h.OWNER_THREAD_ID <> w.OWNER_THREAD_ID
       LEFT JOIN performance_schema.threads ht ON ht.THREAD_ID = h.OWNER_THREAD_ID
       LEFT JOIN performance_schema.events_statements_current hs ON hs.THREAD_ID = h.OWNER_THREAD_ID
      WHERE w.LOCK_STATUS = 'PENDING' AND wt.PROCESSLIST_ID IS NOT NULL`,
  );
  const waiters = new Map<number, LockWaiter>();
  for (const r of rows) {
    const id = Number(r.waiterId);
    const waiter = waiters.get(id) ?? {
      ...session({ id, info: r.waiterSql, command: r.waiterCommand, time: r.waiterSeconds }),
      blockers: [],
    };
    waiters.set(id, waiter);
    if (r.blockerId !== null) {
      waiter.blockers = dedupe([
        ...waiter.blockers,
        session({ id: r.blockerId, info: r.blockerSql, command: r.blockerCommand, time: r.blockerSeconds }),
      ]);
    }
  }
  return [...waiters.values()];
}

interface MariadbLockRow extends RowDataPacket {
  threadId: number | string;
  tableSchema: string;
  tableName: string;
}

/**
 * MariaDB: the processlist names the waiters; METADATA_LOCK_INFO lists granted locks, so a
 * waiter's blockers are the other sessions holding a lock on a table it holds one on (an
 * ALTER holds its table while it waits to upgrade), else every other holder of a table lock.
 */
async function mariadbWaiters(conn: Connection, waiting: Session[]): Promise<LockWaiter[]> {
  const [locks] = await conn.query<MariadbLockRow[]>(
    `SELECT THREAD_ID AS threadId, TABLE_SCHEMA AS tableSchema, TABLE_NAME AS tableName
       FROM information_schema.METADATA_LOCK_INFO
      WHERE LOCK_TYPE = 'Table metadata lock' AND THREAD_ID <> CONNECTION_ID()`,
  );
  const holders = await sessions(conn, 'SELECT id, info, command, time FROM information_schema.processlist WHERE id <> CONNECTION_ID()');
  const byId = new Map(holders.map((s) => [s.threadId, s]));
  const tableOf = (l: MariadbLockRow): string => `${l.tableSchema}.${l.tableName}`;
  return waiting.map((w) => {
    const own = new Set(locks.filter((l) => Number(l.threadId) === w.threadId).map(tableOf));
    const others = locks.filter((l) => Number(l.threadId) !== w.threadId && !waiting.some((x) => x.threadId === Number(l.threadId)));
    const matching = others.filter((l) => own.has(tableOf(l)));
    const ids = new Set((matching.length > 0 ? matching : others).map((l) => Number(l.threadId)));
    return { ...w, blockers: [...ids].flatMap((id) => byId.get(id) ?? []) };
  });
}

async function lockWaiters(conn: Connection, flavor: Flavor): Promise<{ waiters: LockWaiter[]; source: string }> {
  if (flavor === 'mysql') {
    const ps = await queryOne<{ on: number | string }>(conn, 'SELECT @@global.performance_schema AS `on`');
    if (String(ps.on) === '1') return { waiters: await mysqlWaiters(conn), source: 'performance_schema.metadata_locks' };
    const waiting = await processlistWaiters(conn);
    return {
      waiters: waiting.map((w) => ({ ...w, blockers: [] })),
      source:
        'processlist only: performance_schema is off, so blocking sessions cannot be named (start the server with performance_schema=ON)',
    };
  }
  const waiting = await processlistWaiters(conn);
  const plugin = await queryOne<{ n: number | string }>(
    conn,
    "SELECT COUNT(*) AS n FROM information_schema.plugins WHERE plugin_name = 'METADATA_LOCK_INFO' AND plugin_status = 'ACTIVE'",
  );
  if (Number(plugin.n) > 0) return { waiters: await mariadbWaiters(conn, waiting), source: 'information_schema.METADATA_LOCK_INFO' };
  return {
    waiters: waiting.map((w) => ({ ...w, blockers: [] })),
    source:
      "processlist only: the metadata_lock_info plugin is not installed, so blocking sessions cannot be named (INSTALL SONAME 'metadata_lock_info')",
  };
}

/** Sessions queued on metadata locks (with who holds them) and DDL running past the limit. */
export async function readLockContention(conn: Connection, flavor: Flavor, maxDdlSeconds: number): Promise<LockContention> {
  const { waiters, source } = await lockWaiters(conn, flavor);
  const longDdl = await sessions(
    conn,
    `SELECT id, info, command, time FROM information_schema.processlist
      WHERE command = 'Query' AND time > ? AND id <> CONNECTION_ID() AND info REGEXP ${DDL}`,
    [maxDdlSeconds],
  );
  return { waiters, longDdl, source };
}

function quoted(statement: string | undefined): string {
  if (statement === undefined) return '(statement unknown)';
  const flat = statement.replace(/\s+/g, ' ').trim();
  return `'${flat.length > 120 ? `${flat.slice(0, 117)}...` : flat}'`;
}

export function describeSession(s: Session): string {
  const idle = s.command === 'Sleep' ? ', idle in an open transaction, last statement' : '';
  return `thread ${s.threadId} (${s.seconds}s${idle} ${quoted(s.statement)})`;
}

/** Why the backup must wait, naming the sessions in the way; undefined when it may go ahead. */
export function contentionVerdict(found: LockContention, limits: ContentionLimits): string | undefined {
  const reasons: string[] = [];
  const longest = Math.max(0, ...found.waiters.map((w) => w.seconds));
  if (found.waiters.length > limits.maxLockWaiters || longest > limits.maxLockWaitSeconds) {
    const named = found.waiters.map((w) => {
      const blockers = w.blockers.length > 0 ? `, blocked by ${w.blockers.map(describeSession).join(', ')}` : '';
      return `${describeSession(w)} waits${blockers}`;
    });
    reasons.push(
      `${found.waiters.length} session(s) wait for a table metadata lock (limit ${limits.maxLockWaiters}), ` +
        `the longest for ${longest}s (limit ${limits.maxLockWaitSeconds}s): ${named.join('; ')} [read from ${found.source}]`,
    );
  }
  if (found.longDdl.length > 0) {
    reasons.push(
      `${found.longDdl.length} DDL statement(s) running longer than ${limits.maxDdlSeconds}s: ${found.longDdl.map(describeSession).join('; ')}`,
    );
  }
  return reasons.length > 0 ? reasons.join('; ') : undefined;
}
