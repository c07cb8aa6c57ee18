import { InvalidInputError } from '../../domain/errors';
import type { ChecksumMode, S3Connection } from './s3-store';

/** A required environment variable is not set; the message names it. */
export class MissingSettingError extends InvalidInputError {
  constructor(variable: string, what: string, example: string) {
    super(`${variable} is not set: it gives ${what}`, { hint: `export ${variable}=${example}` });
  }
}

export interface StorageSettings extends S3Connection {
  /** Every object key the product writes starts with this (empty, or ends with '/'). */
  prefix: string;
}

export const DEFAULT_PREFIX = 'v1/';

function requiredSetting(env: NodeJS.ProcessEnv, variable: string, what: string, example: string): string {
  const value = env[variable];
  if (value === undefined || value.trim() === '') throw new MissingSettingError(variable, what, example);
  return value.trim();
}

/** Reads the object-storage settings from PITR_S3_* and the standard AWS credential variables. */
export function storageSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): StorageSettings {
  const endpoint = requiredSetting(env, 'PITR_S3_ENDPOINT', 'the S3-compatible endpoint URL', 'http://127.0.0.1:9000');
  if (!/^https?:\/\/[^/\s]+/.test(endpoint)) {
    throw new InvalidInputError(`PITR_S3_ENDPOINT=${endpoint} is not an http(s) URL`, {
      hint: 'set it to the endpoint URL with its scheme, e.g. http://127.0.0.1:9000 or https://s3.eu-west-1.amazonaws.com',
    });
  }
  const prefix = env.PITR_S3_PREFIX ?? DEFAULT_PREFIX;
  if (prefix.startsWith('/') || (prefix !== '' && !prefix.endsWith('/'))) {
    throw new InvalidInputError(`PITR_S3_PREFIX=${prefix} must be empty or a path ending in '/' without a leading '/'`, {
      hint: `use e.g. PITR_S3_PREFIX=${DEFAULT_PREFIX}`,
    });
  }
  return {
    endpoint,
    region: env.PITR_S3_REGION?.trim() || 'us-east-1',
    accessKeyId: requiredSetting(env, 'AWS_ACCESS_KEY_ID', 'the access key id for the object storage', 'minioadmin'),
    secretAccessKey: requiredSetting(env, 'AWS_SECRET_ACCESS_KEY', 'the secret key for the object storage', '<secret>'),
    prefix,
    checksums: checksumMode(env.PITR_S3_CHECKSUMS),
  };
}

/** PITR_S3_CHECKSUMS: `when-supported` (default) or `when-required` (see `ChecksumMode`). */
function checksumMode(value: string | undefined): ChecksumMode {
  const mode = value?.trim() || 'when-supported';
  if (mode !== 'when-supported' && mode !== 'when-required') {
    throw new InvalidInputError(`PITR_S3_CHECKSUMS=${value} is neither when-supported nor when-required`, {
      hint: 'leave it unset for S3 and MinIO; set it to when-required for a store that rejects aws-chunked uploads (GCS)',
    });
  }
  return mode;
}
