import { binlogStatusStatement } from '../../domain/release-statements';
import type { Connection } from 'mysql2/promise';
import type { CaptureResult, Coordinate, Flavor, ServerIdentity } from '../../domain/backup';
import { PitrError } from '../../domain/errors';
import { historyContains } from '../../domain/archive/history';
import { MariadbBinlogState } from '../../domain/archive/mariadb-binlog-state';
import { canonicalGtidText, MysqlGtidSet } from '../../domain/gtid';
import type { AgentConfig } from '../../adapters/config/config';
import { queryOne, withDatabase } from '../../adapters/db/connect';

export class CoordinateMismatchError extends PitrError {}
export class ArchiveGapError extends PitrError {}

export interface ServerGtidState {
  identity: ServerIdentity;
  gtidExecuted: string;
  /** What the server's binlogs no longer hold: every transaction before them is gone from the server. */
  gtidPurged: string;
  /** MariaDB: the last GTID of each (domain, server id) pair in the server's binlogs; MySQL: its executed set. */
  binlogState: string;
  currentBinlog: string;
}

async function serverGtidState(conn: Connection, flavor: Flavor): Promise<ServerGtidState> {
  const [binlogs] = await conn.query('SHOW BINARY LOGS');
  const files = (binlogs as Array<{ Log_name: string }>).map((b) => b.Log_name);
  const currentBinlog = files[files.length - 1] ?? '';
  if (flavor === 'mysql') {
    const s = await queryOne<{ executed: string; purged: string; uuid: string }>(
      conn,
      'SELECT @@global.gtid_executed AS executed, @@global.gtid_purged AS purged, @@server_uuid AS uuid',
    );
    const gtidExecuted = canonicalGtidText('mysql', s.executed);
    return {
      identity: { flavor, serverUuid: s.uuid },
      gtidExecuted,
      gtidPurged: canonicalGtidText('mysql', s.purged),
      binlogState: gtidExecuted,
      currentBinlog,
    };
  }
  const s = await queryOne<{
    executed: string;
    state: string;
    purged: string | null;
    serverId: number | string;
    domainId: number | string;
  }>(
    conn,
    `SELECT @@global.gtid_binlog_pos AS executed, @@global.gtid_binlog_state AS state, BINLOG_GTID_POS(?, 4) AS purged,
            @@server_id AS serverId, @@gtid_domain_id AS domainId`,
    [files[0] ?? ''],
  );
  return {
    identity: { flavor, serverId: Number(s.serverId), gtidDomainId: Number(s.domainId) },
    gtidExecuted: canonicalGtidText('mariadb', s.executed),
    gtidPurged: canonicalGtidText('mariadb', s.purged ?? ''),
    binlogState: MariadbBinlogState.parse(s.state).toString(),
    currentBinlog,
  };
}

function identityText(identity: ServerIdentity): string {
  return identity.flavor === 'mysql'
    ? `server_uuid ${identity.serverUuid}`
    : `server_id ${identity.serverId}, gtid_domain_id ${identity.gtidDomainId}`;
}

const NOT_THIS_SERVER = 'the backup was not taken from this server; check the agent configuration';

/**
 * Where the coordinate names GTIDs this server never logged: MySQL source UUIDs absent from
 * its executed set; MariaDB (domain, server id) pairs its binlog state lacks or has not
 * reached (a position compares sequence numbers only, so another server's 0-2-90 would pass
 * for 0-1-90).
 */
function foreignGtids(coordinate: Coordinate, server: ServerGtidState): string | undefined {
  if (server.identity.flavor === 'mysql') {
    const known = new Set(MysqlGtidSet.parse(server.gtidExecuted).sources());
    const foreign = MysqlGtidSet.parse(coordinate.gtidExecuted)
      .sources()
      .filter((source) => !known.has(source));
    return foreign.length > 0 ? `source(s) ${foreign.join(', ')}` : undefined;
  }
  const missing = MariadbBinlogState.parse(coordinate.gtidExecuted).subtract(MariadbBinlogState.parse(server.binlogState));
  return missing.isEmpty() ? undefined : `GTID(s) ${missing.toString()} (by domain and server id)`;
}

/**
 * Checks the engine's consistent point against the server it came from: the server logged
 * every GTID in it under the same source (MySQL server UUID; MariaDB domain and server id)
 * and has executed all of it, and its binlogs still hold every transaction after it (else
 * the archive would have a gap right after this backup).
 */
export function crossCheck(flavor: Flavor, coordinate: Coordinate, server: ServerGtidState): void {
  const foreign = foreignGtids(coordinate, server);
  if (foreign) {
    throw new CoordinateMismatchError(
      `the backup's coordinate ${coordinate.gtidExecuted} (from ${coordinate.source}) names ${foreign} that the server (${identityText(server.identity)}) never logged; its history is ${server.binlogState || '(empty)'}`,
      { hint: NOT_THIS_SERVER, terminal: true },
    );
  }
  if (!historyContains(flavor, server.gtidExecuted, coordinate.gtidExecuted)) {
    throw new CoordinateMismatchError(
      `the backup's coordinate ${coordinate.gtidExecuted} (from ${coordinate.source}) is not contained in the executed GTIDs ${server.gtidExecuted} of the server (${identityText(server.identity)})`,
      { hint: NOT_THIS_SERVER, terminal: true },
    );
  }
  if (!historyContains(flavor, coordinate.gtidExecuted, server.gtidPurged)) {
    throw new ArchiveGapError(
      `the server has purged binlogs past the backup's coordinate: purged ${server.gtidPurged}, coordinate ${coordinate.gtidExecuted}; transactions after the backup exist nowhere but in the backup`,
      {
        hint: 'raise binlog retention (binlog_expire_logs_seconds / expire_logs_days) so binlogs outlive a backup, then back up again',
        terminal: true,
      },
    );
  }
}

/**
 * The readings after FLUSH BINARY LOGS: the same server (a failover or restart in between
 * would make the first reading another server's), and the flush (which may expire old
 * binlogs) purged nothing after the coordinate.
 */
export function crossCheckAfterFlush(flavor: Flavor, coordinate: Coordinate, before: ServerGtidState, after: ServerGtidState): void {
  if (identityText(before.identity) !== identityText(after.identity)) {
    throw new CoordinateMismatchError(
      `the server changed during capture: it was ${identityText(before.identity)} before FLUSH BINARY LOGS and ${identityText(after.identity)} after`,
      { hint: 'the agent address reached another server (a failover?); back up again once the topology is stable', terminal: true },
    );
  }
  crossCheck(flavor, coordinate, after);
}

/** The server's own position now: what a dry run, which takes no backup, checks in its place. */
async function serverCoordinate(conn: Connection, flavor: Flavor, state: ServerGtidState): Promise<Coordinate> {
  const { version } = await queryOne<{ version: string }>(conn, 'SELECT @@version AS version');
  const status = await queryOne<{ File: string; Position: string }>(conn, binlogStatusStatement(flavor, version));
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
 * so the archiver ships it now rather than when it fills; the server is read and checked
 * again after it. A dry run (no engine coordinate)
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
    if (engineCoordinate) {
      await conn.query('FLUSH BINARY LOGS');
      crossCheckAfterFlush(flavor, canonical, before, await serverGtidState(conn, flavor));
    }
    const clock = await queryOne<{ utc: string }>(conn, "SELECT DATE_FORMAT(UTC_TIMESTAMP(6), '%Y-%m-%dT%H:%i:%s.%fZ') AS utc");
    const workerUtc = new Date();
    const serverUtc = clock.utc;
    return {
      coordinate: { ...canonical, gtidPurged: before.gtidPurged },
      server: {
        gtidExecuted: before.gtidExecuted,
        gtidPurged: before.gtidPurged,
        identity: before.identity,
        serverUtc,
        workerUtc: workerUtc.toISOString(),
        skewMs: Date.parse(serverUtc) - workerUtc.getTime(),
      },
      rotatedFrom: engineCoordinate ? before.currentBinlog || undefined : undefined,
    };
  });
}
