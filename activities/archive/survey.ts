import { type FileHandle, open } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Connection } from 'mysql2/promise';
import { filesToDate, inBinlogOrder } from '../../domain/archive/binlog-names';
import { BinlogIndexer } from '../../domain/binlog/binlog-indexer';
import { rotationDue } from '../../domain/archive/rotation';
import { type ArchiveSource, closedInMirror, STREAM_RETRY_MAX_SECONDS } from '../../domain/archive/stream-mirror';
import { binlogServerKey, type ArchivedFile, type BinlogServer, type BinlogSurvey, type ServerBinlog } from '../../domain/archive/types';
import type { AgentConfig } from '../../adapters/config/config';
import { queryOne, withDatabase } from '../../adapters/db/connect';
import { isPermissionDenied } from './binlog-access';
import { mirroredSizes, mirrorReceived, readingStream, streamLastAttempt } from './binlog-mirror';
import { BinlogFileMissingError, BinlogStreamNotReceivingError, BinlogUnreadableError } from './errors';

/** The path of a binlog the server names, inside the configured binlog folder. */
export function binlogPath(config: AgentConfig, name: string): string {
  if (basename(name) !== name) {
    throw new BinlogFileMissingError(`the server names binlog "${name}", which is not a plain file name`, {
      hint: 'set log_bin to a base name in database.binlogDir',
      terminal: true,
    });
  }
  const dir = config.database.binlogDir;
  if (dir === undefined) {
    throw new BinlogFileMissingError('the agent does not know where the server writes its binlogs', {
      hint: 'set database.binlogDir in the agent configuration, or start the agent while its server answers (it reads @@log_bin_basename)',
      terminal: true,
    });
  }
  return join(dir, name);
}

export async function serverIdentity(
  conn: Connection,
  flavor: AgentConfig['database']['flavor'],
): Promise<BinlogServer & { nowSeconds: number }> {
  if (flavor === 'mysql') {
    const row = await queryOne<{ uuid: string; id: string; now: string }>(
      conn,
      'SELECT @@server_uuid AS uuid, @@server_id AS id, UNIX_TIMESTAMP() AS now',
    );
    return { key: binlogServerKey(row.uuid, Number(row.id)), uuid: row.uuid, id: Number(row.id), nowSeconds: Number(row.now) };
  }
  const row = await queryOne<{ id: string; now: string }>(conn, 'SELECT @@server_id AS id, UNIX_TIMESTAMP() AS now');
  return { key: binlogServerKey(undefined, Number(row.id)), uuid: undefined, id: Number(row.id), nowSeconds: Number(row.now) };
}

export async function listBinlogs(conn: Connection): Promise<ServerBinlog[]> {
  const [rows] = await conn.query('SHOW BINARY LOGS');
  return inBinlogOrder(
    (rows as Array<{ Log_name: string; File_size: string }>).map((r) => ({ name: r.Log_name, sizeBytes: Number(r.File_size) })),
  );
}

/** The binlog magic, then the Format_description event's header, whose first field is its timestamp. */
const CREATED_AT_OFFSET = 4;

/**
 * Adds each closed file's creation time, read from its first event; a file purged meanwhile has
 * none. A file the agent's user may not read is a BinlogUnreadableError.
 */
export async function withCreationTimes(config: AgentConfig, files: ServerBinlog[]): Promise<ServerBinlog[]> {
  const timestamp = Buffer.alloc(4);
  const dated: ServerBinlog[] = [];
  for (const file of files) {
    const path = binlogPath(config, file.name);
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (err) {
      if (isPermissionDenied(err)) throw new BinlogUnreadableError('binlog', path, err);
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      dated.push(file);
      continue;
    }
    try {
      const { bytesRead } = await handle.read(timestamp, 0, 4, CREATED_AT_OFFSET);
      dated.push(bytesRead === 4 ? { ...file, createdSeconds: timestamp.readUInt32LE(0) } : file);
    } finally {
      await handle.close();
    }
  }
  return dated;
}

const TRANSACTION_START = /^(Gtid|Anonymous_Gtid|Gtid_tagged.*)$/;
/** The header event that names what the server logged before the file. */
const PREVIOUS_GTIDS = /^(Previous_gtids|Gtid_list)$/;
/** Enough events to pass the header of a binlog (Format_desc, Previous_gtids or Gtid_list, checkpoints). */
const HEADER_EVENTS = 20;

interface ActiveHead {
  /** When its oldest transaction began (the first GTID event's header timestamp, server clock); undefined while it holds none. */
  oldestTransactionSeconds: number | undefined;
  /** Its Previous_gtids (MySQL) or Gtid_list (MariaDB), decoded by the binlog reader as for a closed file; undefined while a stream has not received them. */
  previousGtids: string | undefined;
}

/** What a pass knows of an active binlog whose head a stream has not received yet: nothing to rotate for, no continuity to check. */
const NOT_RECEIVED: ActiveHead = { oldestTransactionSeconds: undefined, previousGtids: undefined };

/** Reads the head of the active binlog: the header events, and the first GTID event's timestamp. */
async function activeHead(conn: Connection, config: AgentConfig, active: string, source: ArchiveSource): Promise<ActiveHead> {
  const [rows] = await conn.query(`SHOW BINLOG EVENTS IN ? LIMIT ${HEADER_EVENTS}`, [active]);
  const events = rows as Array<{ Event_type: string; Pos: string; End_log_pos: string }>;
  const header = events.find((e) => PREVIOUS_GTIDS.test(e.Event_type)) ?? events[0];
  const headerEnd = header === undefined ? 0 : Number(header.End_log_pos);
  const first = events.find((e) => TRANSACTION_START.test(e.Event_type));
  const path = binlogPath(config, active);
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if (source === 'stream' && (err as NodeJS.ErrnoException).code === 'ENOENT') return NOT_RECEIVED;
    if (isPermissionDenied(err)) throw new BinlogUnreadableError("the server's active binlog", path, err);
    throw new BinlogFileMissingError(`the server's active binlog ${active} is not at ${path}: ${(err as Error).message}`, {
      hint: "set database.binlogDir in the agent configuration to the folder of the server's log_bin",
      terminal: true,
      cause: err,
    });
  }
  try {
    const bytes = Buffer.alloc(first === undefined ? headerEnd : Math.max(headerEnd, Number(first.Pos) + 4));
    const { bytesRead } = await handle.read(bytes, 0, bytes.length, 0);
    if (source === 'stream' && bytesRead < bytes.length) return NOT_RECEIVED;
    const reader = new BinlogIndexer(() => undefined, active);
    reader.push(bytes.subarray(0, headerEnd));
    return {
      oldestTransactionSeconds: first === undefined ? undefined : bytes.readUInt32LE(Number(first.Pos)),
      previousGtids: reader.finish().previousGtids,
    };
  } finally {
    await handle.close();
  }
}

/**
 * Closed binlogs wait for a stream of which no attempt has run for longer than a stalled attempt
 * takes to fail and be retried: no stream is receiving them. A pass that went on would succeed
 * with nothing archived while the server's binlogs pile up until a purge loses them.
 */
function requireReceiving(config: AgentConfig, serverKey: string, waiting: readonly string[]): void {
  const lastAttempt = streamLastAttempt(config);
  const silentMs = (2 * config.database.streamStallSeconds + STREAM_RETRY_MAX_SECONDS) * 1000;
  if (lastAttempt !== undefined && Date.now() - lastAttempt < silentMs) return;
  const since =
    lastAttempt === undefined ? 'no stream has run on this agent' : `no stream has run since ${new Date(lastAttempt).toISOString()}`;
  const files = `${waiting[0]}${waiting.length > 1 ? ` … ${waiting[waiting.length - 1]}` : ''}`;
  throw new BinlogStreamNotReceivingError(
    `cluster ${config.clusterId} archives binlogs from a stream, but ${since}: ${waiting.length} closed binlog${waiting.length === 1 ? '' : 's'} of server ${serverKey} (${files}) wait${waiting.length === 1 ? 's' : ''} to be received`,
    `start the stream with \`pitr binlogs stream --tenant ${config.tenantId} --cluster ${config.clusterId}\` (\`pitr status\` shows whether it runs and its last error); until it receives them, these binlogs are archived nowhere, and a purge on the server loses them`,
  );
}

/** How long a pass waits for the stream to receive the end of the binlog it just closed. */
const ROTATED_RECEIPT_MS = 3000;

/**
 * Lists the server's binlogs and, when the RPO target is due, closes the active one with
 * FLUSH BINARY LOGS so its transactions can be archived in this pass. The active binlog's
 * previous GTIDs let the central side see binlogs purged before they were archived even when
 * no closed file is left to reveal them. Given the newest file the archive holds, only the
 * closed files `filesToDate` names are opened for their creation time: a pass costs the same
 * however many archived binlogs the server keeps.
 *
 * From a stream (`source` 'stream'), the files are read in the agent's mirror, and only the
 * closed ones it holds whole are offered; while any is held back, or the active one's head has
 * not arrived, the survey does not claim to know the oldest unarchived commit. A stream that
 * seals pieces of the open binlog needs no rotation (`rotate` false).
 */
export async function surveyBinlogs(
  config: AgentConfig,
  rpoSeconds: number,
  newestArchived?: ArchivedFile | null,
  source: ArchiveSource = 'files',
  rotate = true,
): Promise<BinlogSurvey> {
  return withDatabase(config.database, async (conn) => {
    const { nowSeconds, ...server } = await serverIdentity(conn, config.database.flavor);
    const reading = source === 'stream' ? readingStream(config, server.key) : config;
    let files = await listBinlogs(conn);
    let rotated: string | undefined;
    const active = files[files.length - 1]?.name;
    if (active === undefined) {
      throw new BinlogFileMissingError(
        `the ${config.database.flavor} server at ${config.database.host}:${config.database.port} lists no binlogs`,
        {
          hint: 'enable binary logging (log_bin) on the server; there is nothing to archive without it',
          terminal: true,
        },
      );
    }
    let head = await activeHead(conn, reading, active, source);
    if (rotate && rotationDue({ oldestUnarchivedSeconds: head.oldestTransactionSeconds, nowSeconds, rpoSeconds })) {
      await conn.query('FLUSH BINARY LOGS');
      rotated = active;
      files = await listBinlogs(conn);
      if (source === 'stream') await mirrorReceived(reading, files.find((f) => f.name === active)!, ROTATED_RECEIPT_MS);
      head = await activeHead(conn, reading, files[files.length - 1]!.name, source);
    }
    const newest = newestArchived?.serverKey === server.key ? newestArchived.file : undefined;
    const listed = files.slice(0, -1);
    const { ready: closed, heldBack } =
      source === 'stream' ? closedInMirror(listed, mirroredSizes(reading), newest) : { ready: listed, heldBack: [] };
    if (heldBack.length > 0) requireReceiving(config, server.key, heldBack);
    const dated = new Map((await withCreationTimes(reading, filesToDate(closed, newest))).map((f) => [f.name, f]));
    const known = heldBack.length === 0 && head.previousGtids !== undefined;
    return {
      server,
      closed: closed.map((f) => dated.get(f.name) ?? f),
      active: files[files.length - 1]!.name,
      ...(head.previousGtids === undefined ? {} : { activePreviousGtids: head.previousGtids }),
      ...(known ? { activeFirstTransactionSeconds: head.oldestTransactionSeconds ?? null } : {}),
      rotated,
    };
  });
}
