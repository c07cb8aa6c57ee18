export interface PitrErrorOptions {
  hint?: string;
  exitCode?: number;
  /** Retrying cannot help (corrupt artifact, invalid GTID set, tampered manifest, ...). */
  terminal?: boolean;
  cause?: unknown;
}

/**
 * Base of the product's typed errors. `hint` says what the operator should do next;
 * `exitCode` is what the CLI exits with (2 = bad input, 1 = failure of the environment);
 * `terminal` tells Temporal retry policies not to retry.
 */
export class PitrError extends Error {
  readonly hint: string | undefined;
  readonly exitCode: number;
  readonly terminal: boolean;

  constructor(message: string, options: PitrErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? 1;
    this.terminal = options.terminal ?? false;
  }
}

/** Input that can never succeed as given (malformed GTID set, unknown flavor, ...). */
export class InvalidInputError extends PitrError {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, { ...options, exitCode: 2, terminal: true });
  }
}
