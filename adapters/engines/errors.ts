import { PitrError } from '../../domain/errors';

/**
 * Failures a retry can cure: the server was busy, restarting or out of connections.
 * Anything else (access denied, unknown option, disk full, a bug) fails the same way again.
 */
const TRANSIENT_PATTERNS: readonly RegExp[] = [
  /lock wait timeout/i,
  /deadlock found/i,
  /too many connections/i,
  /server has gone away/i,
  /lost connection to (mysql|mariadb)? ?server/i,
  /can't connect to (local )?(mysql|mariadb)? ?server/i,
  /connection refused/i,
  /server shutdown in progress/i,
  /query execution was interrupted/i,
  /too many concurrent clone operations/i,
  /concurrent ddl is performed during clone/i,
  // A dump that met a schema change (where DDL could not be held off) is consistent next time.
  /error in field count for table/i,
  /table definition has changed/i,
  /\b(ECONNREFUSED|ECONNRESET|PROTOCOL_CONNECTION_LOST|ETIMEDOUT)\b/,
  // A restarting server removes its socket file until it is back; a wrong path fails every attempt alike.
  /\bconnect ENOENT\b/,
];

/** Checked first: these say the environment is wrong, even when a transient-looking line is also present. */
const TERMINAL_PATTERNS: readonly RegExp[] = [
  /access denied/i,
  /unknown (variable|option)/i,
  /no space left on device|disk full|errno:? 28\b/i,
];

export function isTransientFailure(output: string): boolean {
  // A tool that dies without a word lost its server mid-protocol (mysqldump does, when the
  // server shuts down under it): worth another attempt. A real misconfiguration says what it is.
  if (output.trim() === '') return true;
  if (TERMINAL_PATTERNS.some((p) => p.test(output))) return false;
  return TRANSIENT_PATTERNS.some((p) => p.test(output));
}

/**
 * A backup or restore tool failed. `transient` says whether running it again may succeed
 * (the workflow retries those and gives up at once on the others); `terminal` is its opposite.
 */
export class EngineFailedError extends PitrError {
  readonly tool: string;
  readonly toolExitCode: number | null;
  /** The tool's last stderr lines, or the server's error message for the in-server clone. */
  readonly lastOutput: string;
  readonly transient: boolean;

  constructor(tool: string, toolExitCode: number | null, lastOutput: string, transient = isTransientFailure(lastOutput)) {
    const how = toolExitCode === null ? 'failed' : `exited with code ${toolExitCode}`;
    super(`${tool} ${how}: ${lastOutput.trim() || '(no output)'}`, {
      hint: transient
        ? 'the server was busy or unreachable; the backup can be retried as it is'
        : `fix what ${tool} reports (credentials, privileges, options, free space) before retrying`,
      terminal: !transient,
    });
    this.tool = tool;
    this.toolExitCode = toolExitCode;
    this.lastOutput = lastOutput;
    this.transient = transient;
  }
}

/** The tool finished without writing the recovery coordinate the engine needs. */
export class CoordinateMissingError extends PitrError {
  constructor(engine: string, missing: string, where: string) {
    super(`${engine} finished but ${where} holds no ${missing}`, {
      hint: 'the source server must run with binary logging (log_bin) and GTIDs on; check its configuration',
      terminal: true,
    });
  }
}

/** A clone backup needs the clone plugin active on the source; the product does not install plugins there. */
export class ClonePluginMissingError extends PitrError {
  constructor(status: string | null, library: string) {
    super(
      status === null
        ? 'the clone plugin is not loaded on the source server'
        : `the clone plugin on the source server is ${status}, not ACTIVE`,
      {
        hint: `load it the way the server's other plugins are: add plugin-load-add=${library} to the [mysqld] section of its my.cnf and restart, or run INSTALL PLUGIN clone SONAME '${library}' as an administrator; or back this cluster up with --engine mysqldump`,
        terminal: true,
      },
    );
  }
}

export class EngineAbortedError extends PitrError {
  constructor(engine: string) {
    super(`${engine} was cancelled before it finished`, { hint: 'start the backup again; the partial staging folder is wiped first' });
  }
}

/** After a restore the server's GTID state is not the backup's coordinate: replaying binlogs from it would be wrong. */
export class RestoredStateMismatchError extends PitrError {
  constructor(engine: string, variable: string, expected: string, actual: string) {
    super(`after restoring the ${engine} backup, ${variable} is "${actual}" but the backup's coordinate is "${expected}"`, {
      hint: 'the payload does not match its manifest (wrong backup, or a damaged payload); restore it again from the archive',
      terminal: true,
    });
  }
}

export class RestoreTargetInUseError extends PitrError {
  constructor(dir: string) {
    super(`the restore target ${dir} is not empty`, {
      hint: 'restore into a new, empty folder: a restore never overwrites an existing instance',
      exitCode: 2,
      terminal: true,
    });
  }
}
