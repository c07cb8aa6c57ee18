import { PitrError } from '../domain/errors';

/** Prints an error the way operators read it and returns the process exit code. */
export function reportCliError(err: unknown): number {
  if (err instanceof PitrError) {
    process.stderr.write(`pitr: ${err.message}\n`);
    if (err.hint) process.stderr.write(`  what to do: ${err.hint}\n`);
    return err.exitCode;
  }
  process.stderr.write(`pitr: unexpected error: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  return 1;
}
