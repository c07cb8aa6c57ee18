import { PitrError } from '../../domain/errors';

/** The signed manifest is genuine but describes another backup than the catalog row the plan chose. */
export class ManifestMismatchError extends PitrError {
  constructor(what: string, manifest: string, catalog: string) {
    super(`the signed manifest names ${what} ${manifest}, the catalog ${catalog}`, {
      hint: 'the catalog row and the stored manifest disagree: inspect both (pitr backups, pitr artifact) before trusting this backup',
      terminal: true,
    });
  }
}

/** The restored server is not what the plan promised; `failures` is the evidence. */
export class RestoreVerificationError extends PitrError {
  readonly failures: string[];

  constructor(failures: string[]) {
    super(`the restored server failed verification: ${failures.join('; ')}`, {
      hint: 'the restore is not trustworthy: keep the evidence, check the base backup and the archived binlogs, and restore again',
      terminal: true,
    });
    this.failures = failures;
  }
}
