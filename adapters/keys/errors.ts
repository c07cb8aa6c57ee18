import { PitrError } from '../../domain/errors';

/**
 * The tenant was erased on purpose (crypto-shredding): its data key is gone, so everything
 * sealed with it is unreadable for good, and nothing new is written for it.
 */
export class TenantKeyErasedError extends PitrError {
  constructor(
    readonly tenant: string,
    erasedAt: string,
    erasedBy?: string,
  ) {
    super(
      `tenant ${tenant} was erased at ${erasedAt}${erasedBy ? ` by ${erasedBy}` : ''}: its data key is destroyed, so its backups and binlogs can no longer be decrypted or restored, and no new ones are taken`,
      {
        hint: `this is permanent by design (\`pitr tenant erase\`); nothing can bring the data back from this repository. Delete the tenant's schedules (\`pitr schedule delete\`): every run of them now fails. To protect its databases again, register them under a new tenant id`,
        terminal: true,
      },
    );
  }
}

export class TenantKeyNotFoundError extends PitrError {
  constructor(
    readonly tenant: string,
    where: string,
  ) {
    super(`tenant ${tenant} has no data key in ${where}`, {
      hint: 'check the tenant id and that the key store (bucket and PITR_S3_PREFIX) is the one the artifacts were written with',
      terminal: true,
    });
  }
}

/** The key at hand is not the one the artifact was sealed with. */
export class WrongKeyError extends PitrError {
  constructor(message: string) {
    super(message, {
      hint: 'check that the key store (bucket and PITR_S3_PREFIX) and tenant are the ones the artifact was written with; a key record restored from elsewhere or re-created cannot open older artifacts',
      terminal: true,
    });
  }
}

/** A data key is wrapped by a master key that is not configured here. */
export class MasterKeyUnavailableError extends PitrError {
  constructor(tenant: string, masterKeyId: string, configured: readonly string[]) {
    super(
      `the data key of tenant ${tenant} is wrapped by master key ${masterKeyId}, which is not configured (configured: ${configured.join(', ')})`,
      {
        hint: 'configure that master key (PITR_MASTER_KEY / PITR_MASTER_KEY_FILE), or finish the master key rotation that re-wraps it',
        terminal: true,
      },
    );
  }
}

/** A key record does not decrypt or does not parse: it was altered or belongs elsewhere. */
export class KeyRecordInvalidError extends PitrError {
  constructor(message: string, cause?: unknown) {
    super(message, { hint: "restore the tenant's key record from a known-good copy of the key store", cause, terminal: true });
  }
}

/** Other writers kept changing a key record while this process tried to update it. */
export class KeyRecordContendedError extends PitrError {
  constructor(tenant: string, where: string, rounds: number) {
    super(`the key record of tenant ${tenant} in ${where} changed under every one of ${rounds} update attempts`, {
      hint: "another process is updating the same tenant's key (erasure or rotation); let it finish and try again",
    });
  }
}
