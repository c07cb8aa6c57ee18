import { InvalidInputError, PitrError } from '../errors';

export interface ManifestIssue {
  /** Field path as written in the manifest, e.g. `artifact.location.bucket` or `schemaTables[2]`. */
  readonly path: string;
  readonly message: string;
}

/** A manifest (or signed envelope) whose content does not satisfy the schema. */
export class ManifestInvalidError extends InvalidInputError {
  readonly issues: readonly ManifestIssue[];

  constructor(what: string, issues: readonly ManifestIssue[]) {
    super(`${what} is invalid: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`, {
      hint: 'manifests are written by pitr itself: a hand-edited or truncated manifest cannot be trusted; take a new backup if it cannot be restored from a good copy',
    });
    this.issues = issues;
  }
}

export type ManifestRejection = 'unknown-schema-version' | 'unknown-key' | 'signature-mismatch' | 'checksum-mismatch';

const REJECTION_HINTS: Record<ManifestRejection, string> = {
  'unknown-schema-version': 'the manifest was written by another version of pitr: verify it with a pitr that reads that schema version',
  'unknown-key': "add the signer's public key to the verifier's trusted keys if the key is yours; otherwise treat the backup as untrusted",
  'signature-mismatch':
    'do not restore from this backup: its manifest was changed after signing; restore from another backup and investigate who wrote it',
  'checksum-mismatch':
    'do not restore from this artifact: it is not the one the manifest describes; fetch it again or restore from another backup',
};

/** A well-formed manifest that must not be trusted; `reason` says which check refused it. */
export class ManifestRejectedError extends PitrError {
  readonly reason: ManifestRejection;

  constructor(reason: ManifestRejection, message: string) {
    super(message, { hint: REJECTION_HINTS[reason], terminal: true });
    this.reason = reason;
  }
}

/** A key that cannot sign or verify manifests (not PEM, or not Ed25519). */
export class ManifestKeyError extends InvalidInputError {
  constructor(keyId: string, problem: string, cause?: unknown) {
    super(`manifest key "${keyId}" ${problem}`, {
      hint: 'manifest keys are Ed25519 keys in PEM (PKCS#8 private, SPKI public), as generateManifestKeyPair() writes them',
      cause,
    });
  }
}
