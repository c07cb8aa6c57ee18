import { PitrError } from '../../domain/errors';
import { accessDenial } from './binlog-access';

/** Transactions that reached no archived segment: a binlog purged before it was archived. */
export class BinlogGapError extends PitrError {
  constructor(message: string) {
    super(message, {
      hint: 'the gap is recorded in the catalog and the next pass archives past it; take a new base backup so the history after the gap becomes recoverable, and raise binlog retention (binlog_expire_logs_seconds / expire_logs_days) above the archive lag',
      terminal: true,
    });
  }
}

/** The server's history does not contain what is archived: it cannot continue this archive. */
export class BinlogHistoryDivergedError extends PitrError {
  constructor(message: string) {
    super(message, {
      hint: 'point the agent at a server that replicated everything archived (check its gtid_executed / gtid_binlog_pos), or investigate why this one lacks those transactions',
      terminal: true,
    });
  }
}

/** A file already archived from this server now has other bytes under the same name. */
export class BinlogRewrittenError extends PitrError {
  constructor(message: string) {
    super(message, {
      hint: 'a binlog never changes once closed: check for RESET BINARY LOGS AND GTIDS / RESET MASTER or a restored datadir on this server; the archived copy stays as it was',
      terminal: true,
    });
  }
}

/** What an operator does about a server whose binlogs were reset: said wherever the archive finds one. */
const RESET_HINT =
  'the server was reset (RESET BINARY LOGS AND GTIDS / RESET MASTER) or its datadir replaced: what it writes now reuses archived binlog names and GTIDs, so this archive cannot take it. The archive stays restorable up to its end; to archive the server again, register it as a new cluster (pitr cluster add) and take a base backup of it there';

/**
 * A server's binlog history went back behind what the archive holds of it: its names, its
 * GTIDs, or the bytes the archive holds under a name. Terminal: the stream stops (a pass fails)
 * with an alert rather than archive a second history.
 */
export class BinlogsResetError extends PitrError {
  constructor(message: string) {
    super(message, { hint: RESET_HINT, terminal: true });
  }
}

/**
 * The server could no longer read the binlog the receiver was reading (it answers "could not find
 * next log" or "I/O error reading log event": the file was removed, or removed and made again).
 * Transient: the next attempt lists the server's binlogs again and refuses a reset server.
 */
export class BinlogStreamFileGoneError extends PitrError {
  constructor(message: string) {
    super(message, {
      hint: 'nothing to do when it is rare: the receiver reconnects at once; a reset server is refused then, with an alert',
    });
  }
}

/** The binlog the server names is not in the folder the agent is configured with. */
export class BinlogFileMissingError extends PitrError {}

/**
 * The agent's OS user may not read a binlog or the binlog folder. Terminal: retrying within the
 * pass cannot help, so the pass fails at once with what to do, raising the archive-failed
 * alert; the schedule's next pass reads the files as soon as someone has given access.
 */
export class BinlogUnreadableError extends PitrError {
  constructor(label: string, path: string, cause: unknown) {
    const { message, hint } = accessDenial(label, path);
    super(`${message} (${(cause as NodeJS.ErrnoException).code})`, { hint, terminal: true, cause });
  }
}

/**
 * The binlog stream received nothing for a while although the server wrote more: its
 * connection is dead without having closed. Transient: the next attempt connects again.
 */
export class BinlogStreamStalledError extends PitrError {
  constructor(message: string) {
    super(message, {
      hint: 'nothing to do when it is rare: the receiver is restarted and resumes where the mirror ends; if it recurs, look for a firewall, NAT or load balancer that drops long-lived idle connections between the agent and the server',
    });
  }
}

/**
 * A streamed cluster's closed binlogs wait for a stream that receives nothing. Terminal: the
 * pass fails at once with what to do and raises the archive-failed alert; the next pass
 * archives them once the stream runs.
 */
export class BinlogStreamNotReceivingError extends PitrError {
  constructor(message: string, hint: string) {
    super(message, { hint, terminal: true });
  }
}

/** The stream moved between the check and the registration of a segment (another pass ran). */
export class ArchiveMovedError extends PitrError {}
