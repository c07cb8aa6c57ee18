/**
 * Base of the product's typed errors. `hint` says what the operator should do next;
 * `exitCode` is what the CLI exits with (2 = bad input, 1 = failure of the environment).
 */
export class PitrError extends Error {
  readonly hint: string | undefined;
  readonly exitCode: number;

  constructor(message: string, options: { hint?: string; exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? 1;
  }
}

/** Input that can never succeed as given (malformed GTID set, unknown flavor, ...). */
export class InvalidInputError extends PitrError {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, { ...options, exitCode: 2 });
  }
}
