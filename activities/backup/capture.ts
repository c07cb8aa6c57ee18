import type { Connection } from 'mysql2/promise';
import type { CaptureResult, Coordinate, Flavor } from '../../domain/backup';
import { PitrError } from '../../domain/errors';
import { historyContains } from '../../domain/archive/history';
import { canonicalGtidText } from '../../domain/gtid';
import type { AgentConfig } from '../config/config';
import { queryOne, withDatabase } from '../db/connect';

export class CoordinateMismatchError extends PitrError {}
export class ArchiveGapError extends PitrError {}

interface ServerGtidState {
  gtidExecuted: string;
  /** What the server's binlogs no longer hold: every transaction before them is gone from the server. */
  gtidPurged: string;
  currentBinlog: string;
}

async function serverGtidState(conn: Connection, flavor: Flavor): Promise<ServerGtidState> {
  const [binlogs] = await conn.query('SHOW BINARY LOGS');
  const files = (binlogs as Array<{ Log_name: string }>).map((b) => b.Log_name);
  const currentBinlog = files[files.length - 1] ?? '';
  if (flavor === 'mysql') {
    const s = await queryOne<{ executed: string; purged: string }>(
      conn,
      'SELECT @@global.gtid_executed AS executed, @@global.gtid_purged AS purged',
    );
    return { gtidExecuted: canonicalGtidText('mysql', s.executed), gtidPurged: canonicalGtidText('mysql', s.purged), currentBinlog };
  }
  const s = await queryOne<{ executed: string; purged: string | null }>(
    conn,
    'SELECT @@global.gtid_binlog_pos AS executed, BINLOG_GTID_POS(?, 4) AS purged',
    [files[0] ?? ''],
  );
  return {
    gtidExecuted: canonicalGtidText('mariadb', s.executed),
    gtidPurged: canonicalGtidText('mariadb', s.purged ?? ''),
    currentBinlog,
  };
}

/**
 * Checks the engine's consistent point against the server it came from: the server must
 * have executed everything in it, and its binlogs must still hold every transaction after
 * it (else the archive would have a gap right after this backup).
 */
export function crossCheck(flavor: Flavor, coordinate: Coordinate, server: ServerGtidState): void {
  if (!historyContains(flavor, server.gtidExecuted, coordinate.gtidExecuted)) {
    throw new CoordinateMismatchError(
      `the backup's coordinate ${coordinate.gtidExecuted} (from ${coordinate.source}) is not contained in the server's executed GTIDs ${server.gtidExecuted}`,
      { hint: 'the backup was not taken from this server; check the agent configuration', terminal: true },
    );
  }
  if (!historyContains(flavor, coordinate.gtidExecuted, server.gtidPurged)) {
    throw new ArchiveGapError(
      `the server has purged binlogs past the backup's coordinate: purged ${server.gtidPurged}, coordinate ${coordinate.gtidExecuted}; transactions after the backup exist nowhere but in the backup`,
      { hint: 'raise binlog retention (binlog_expire_logs_seconds / expire_logs_days) so binlogs outlive a backup, then back up again', terminal: true },
    );
  }
}

/** The server's own position now: what a dry run, which takes no backup, checks in its place. */
async function serverCoordinate(conn: Connection, flavor: Flavor, state: ServerGtidState): Promise<Coordinate> {
  const status = await queryOne<{ File: string; Position: string }>(conn, flavor === 'mysql' ? 'SHOW BINARY LOG STATUS' : 'SHOW BINLOG STATUS');
  return {
    gtidExecuted: state.gtidExecuted,
    gtidPurged: state.gtidPurged,
    binlogFile: status.File,
    binlogPosition: Number(status.Position),
    source: 'the server (dry run)',
  };
}

/**
 * Phase 3: the engine's own consistent point is the coordinate; the server's readings are
 * the cross-check's evidence. FLUSH BINARY LOGS closes the binlog that holds the coordinate
 * so the archiver ships it now rather than when it fills. A dry run (no engine coordinate)
 * checks the server's current position instead and changes nothing.
 */
export async function captureCoordinates(config: AgentConfig, engineCoordinate: Coordinate | undefined): Promise<CaptureResult> {
  const flavor = config.database.flavor;
  return withDatabase(config.database, async (conn) => {
    const before = await serverGtidState(conn, flavor);
    const canonical: Coordinate = engineCoordinate
      ? { ...engineCoordinate, gtidExecuted: canonicalGtidText(flavor, engineCoordinate.gtidExecuted) }
      : await serverCoordinate(conn, flavor, before);
    crossCheck(flavor, canonical, before);
    if (engineCoordinate) await conn.query('FLUSH BINARY LOGS');
    const clock = await queryOne<{ utc: string }>(conn, "SELECT DATE_FORMAT(UTC_TIMESTAMP(6), '%Y-%m-%dT%H:%i:%s.%fZ') AS utc");
    const workerUtc = new Date();
    const serverUtc = clock.utc;
    return {
      coordinate: { ...canonical, gtidPurged: before.gtidPurged },
      server: {
        gtidExecuted: before.gtidExecuted,
        gtidPurged: before.gtidPurged,
        serverUtc,
        workerUtc: workerUtc.toISOString(),
        skewMs: Date.parse(serverUtc) - workerUtc.getTime(),
      },
      rotatedFrom: engineCoordinate ? before.currentBinlog || undefined : undefined,
    };
  });
}
