import { InvalidInputError, PitrError } from '../../domain/errors';
import { isTransientFailure } from '../engines/errors';

/** The binlogs, the restored server and the stop cannot make the requested restore. */
export class ApplyPlanError extends InvalidInputError {}

/**
 * The server refused a transaction of the binlogs (duplicate key, missing table, ...), or the
 * binlog tool failed. Terminal, except for the server's own transient failures (lock wait
 * timeout, deadlock, lost connection), which a fresh attempt may not meet again.
 */
export class ApplyFailedError extends PitrError {
  /** The server's or tool's own words. */
  readonly serverError: string;

  constructor(what: string, serverError: string) {
    const transient = isTransientFailure(serverError);
    super(`${what}: ${serverError}`, {
      hint: transient
        ? 'the server was busy or restarting; restore from the base backup again'
        : 'the restored data does not match what the binlogs expect (a row already there, a table missing): check the base backup and that the binlogs come from its source server',
      terminal: !transient,
    });
    this.serverError = serverError;
  }
}

/** Nothing moved (executed GTIDs, applier position, rows written) for too long. */
export class ApplyStalledError extends PitrError {
  constructor(seconds: number, appliedThrough: string) {
    super(`binlog apply made no progress for ${seconds}s (applied through ${appliedThrough || 'nothing'})`, {
      hint: 'look for a long lock wait or a full disk on the restored server; the restore can be retried',
      // Reported, not retried on the same half-applied server: a new restore starts from the base backup.
      terminal: true,
    });
  }
}

/** The apply finished, but the server's GTID state is not exactly the coordinate plus the applied transactions. */
export class ApplyVerificationError extends PitrError {
  constructor(expected: string, actual: string, missing: string, unexpected: string) {
    super(
      `after the apply the restored server has executed ${actual || 'nothing'}, expected exactly ${expected}` +
        (missing ? `; missing ${missing}` : '') +
        (unexpected ? `; unexpected ${unexpected}` : ''),
      {
        hint: 'something else wrote to the restored server during the apply, or the applier stopped in the wrong place: restore again from the base backup',
        terminal: true,
      },
    );
  }
}

export class ApplyAbortedError extends PitrError {
  constructor() {
    super('binlog apply was cancelled', { hint: 'the restored server holds a partial apply: restore again from the base backup' });
  }
}
