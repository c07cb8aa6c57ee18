import { PitrError } from '../../domain/errors';
import { UNNAMED_SETTINGS, type StorageCall } from './settings-origin';

/** Where a storage call failed: enough for an operator to find the object and the request. */
export interface StorageFailure {
  operation: string;
  bucket: string;
  key: string;
  status: number | undefined;
  code: string | undefined;
  attempts: number;
}

interface StorageErrorOptions {
  hint: string;
  cause: unknown;
}

/**
 * A failed object-storage call. `terminal` is what a retry policy (ours, or Temporal's once
 * the call runs inside an activity) acts on; the two subclasses make the error's name say it too.
 */
export abstract class StorageError extends PitrError {
  constructor(
    message: string,
    readonly failure: StorageFailure,
    options: StorageErrorOptions & { terminal: boolean },
  ) {
    super(message, options);
  }
}

/** Timeouts, throttling, 5xx, connection resets: the same call may succeed later. */
export class TransientStorageError extends StorageError {
  constructor(message: string, failure: StorageFailure, options: StorageErrorOptions) {
    super(message, failure, { ...options, terminal: false });
  }
}

/** Misconfiguration, refused credentials, missing bucket, checksum mismatch: retrying cannot help. */
export class TerminalStorageError extends StorageError {
  constructor(message: string, failure: StorageFailure, options: StorageErrorOptions) {
    super(message, failure, { ...options, terminal: true });
  }
}

export class ObjectNotFoundError extends TerminalStorageError {}

/** The multipart upload named by a recorded upload id no longer exists (completed, aborted or expired). */
export class UploadNotFoundError extends TerminalStorageError {}

const TRANSIENT_STATUS = new Set([408, 429, 500, 502, 503, 504]);

const TRANSIENT_NAMES = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'RequestThrottled',
  'TooManyRequestsException',
  'RequestTimeout',
  'RequestTimeoutException',
  'RequestTimeTooSkewed',
  'InternalError',
  'ServiceUnavailable',
  'TimeoutError',
  'NetworkingError',
  'ConditionalRequestConflict',
]);

const TRANSIENT_SYSTEM_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTUNREACH',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

const CREDENTIAL_NAMES = new Set(['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'Forbidden']);
const CHECKSUM_NAMES = new Set(['BadDigest', 'InvalidDigest', 'XAmzContentSHA256Mismatch', 'XAmzContentChecksumMismatch']);

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  $retryable?: unknown;
}

function describe(err: unknown): { name: string | undefined; code: string | undefined; status: number | undefined; message: string } {
  const shape = (typeof err === 'object' && err !== null ? err : {}) as SdkErrorShape;
  const status = typeof shape.$metadata?.httpStatusCode === 'number' ? shape.$metadata.httpStatusCode : undefined;
  return {
    name: typeof shape.name === 'string' ? shape.name : undefined,
    code: typeof shape.code === 'string' ? shape.code : undefined,
    status,
    message: typeof shape.message === 'string' ? shape.message : String(err),
  };
}

export function objectNotFound(where: { operation: string; bucket: string; key: string }, cause?: unknown): ObjectNotFoundError {
  return new ObjectNotFoundError(
    `s3://${where.bucket}/${where.key} does not exist (${where.operation})`,
    { ...where, status: 404, code: 'NoSuchKey', attempts: 1 },
    {
      hint: 'check the object key; if the object should be there, check that nothing deleted it (lifecycle rules, another writer)',
      cause,
    },
  );
}

/** Turns whatever the SDK or the socket threw into a transient or terminal storage error. */
export function classifyStorageError(err: unknown, call: StorageCall, attempts = 1): StorageError {
  if (err instanceof StorageError) return err;
  const { origin = UNNAMED_SETTINGS, ...where } = call;
  const { name, code, status, message } = describe(err);
  const failure: StorageFailure = { ...where, status, code: name ?? code, attempts };
  const url = `s3://${where.bucket}/${where.key}`;
  const what =
    `${where.operation} of ${url} failed${status === undefined ? '' : ` with HTTP ${status}`}` +
    `${name && name !== 'Error' ? ` ${name}` : ''}${code ? ` (${code})` : ''}: ${message}`;
  const sdkRetryable = typeof err === 'object' && err !== null && (err as SdkErrorShape).$retryable !== undefined;

  if (name === 'NoSuchKey' || (status === 404 && name !== 'NoSuchBucket' && name !== 'NoSuchUpload')) {
    return objectNotFound(where, err);
  }
  if (name === 'NoSuchUpload') {
    return new UploadNotFoundError(`${what}: the multipart upload no longer exists`, failure, {
      hint: 'the upload was completed, aborted or expired meanwhile; start the upload again from the beginning',
      cause: err,
    });
  }
  if (name === 'NoSuchBucket') {
    return new TerminalStorageError(`${what}: bucket ${where.bucket} does not exist`, failure, {
      hint: `create bucket ${where.bucket} or fix the bucket name; check that ${origin.endpoint} points at the right server`,
      cause: err,
    });
  }
  if (status === 401 || status === 403 || (name !== undefined && CREDENTIAL_NAMES.has(name))) {
    return new TerminalStorageError(`${what}: the storage refused our credentials`, failure, {
      hint: `check ${origin.credentials}, and that they may ${where.operation} under s3://${where.bucket}/`,
      cause: err,
    });
  }
  if (name !== undefined && CHECKSUM_NAMES.has(name)) {
    return new TerminalStorageError(`${what}: the storage received different bytes than were sent`, failure, {
      hint: 'this points at memory or proxy corruption on the way to storage; check the host and any proxy in between',
      cause: err,
    });
  }
  const transient =
    (status !== undefined && TRANSIENT_STATUS.has(status)) ||
    (name !== undefined && TRANSIENT_NAMES.has(name)) ||
    (code !== undefined && TRANSIENT_SYSTEM_CODES.has(code)) ||
    sdkRetryable;
  if (transient) {
    return new TransientStorageError(`${what}${attempts > 1 ? ` (still failing after ${attempts} attempts)` : ''}`, failure, {
      hint: "the storage is overloaded or unreachable for now and retries with backoff did not get through; if it persists, check the endpoint's health and the network",
      cause: err,
    });
  }
  return new TerminalStorageError(what, failure, {
    hint: 'the request was rejected as invalid; check the storage configuration (endpoint, bucket, prefix) and the server log',
    cause: err,
  });
}
