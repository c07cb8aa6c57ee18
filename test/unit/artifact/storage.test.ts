import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidInputError } from '../../../domain/errors';
import { ByteQueue } from '../../../adapters/artifact/byte-queue';
import { MissingSettingError, storageSettingsFromEnv } from '../../../adapters/storage/config';
import {
  classifyStorageError,
  ObjectNotFoundError,
  TerminalStorageError,
  TransientStorageError,
  UploadNotFoundError,
} from '../../../adapters/storage/errors';
import { quarantineKey, segmentKey } from '../../../adapters/storage/layout';
import { backoffDelayMs, withRetry } from '../../../adapters/storage/retry';
import { parseS3Url } from '../../../adapters/storage/s3-url';

const where = { operation: 'upload-part', bucket: 'backups', key: 'v1/a.pitr' };

function sdkError(name: string, status?: number, extra: object = {}): Error {
  return Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status }, ...extra });
}

describe('storage error classification', () => {
  it('treats throttling, timeouts, 5xx and connection resets as transient', () => {
    for (const err of [
      sdkError('SlowDown', 503),
      sdkError('InternalError', 500),
      sdkError('ServiceUnavailable', 503),
      sdkError('Whatever', 502),
      sdkError('TimeoutError'),
      sdkError('RequestTimeout', 400),
      Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
    ]) {
      const classified = classifyStorageError(err, where);
      assert.ok(classified instanceof TransientStorageError, `${err.name} should be transient`);
      assert.equal(classified.terminal, false);
    }
  });

  it('treats refused credentials, a missing bucket or object, a bad digest and other 4xx as terminal, and says why', () => {
    const cases: Array<[Error, RegExp]> = [
      [sdkError('AccessDenied', 403), /refused our credentials/],
      [sdkError('SignatureDoesNotMatch', 403), /refused our credentials/],
      [sdkError('NoSuchBucket', 404), /bucket backups does not exist/],
      [sdkError('NoSuchKey', 404), /s3:\/\/backups\/v1\/a\.pitr does not exist/],
      [sdkError('BadDigest', 400), /received different bytes than were sent/],
      [sdkError('InvalidArgument', 400), /upload-part of s3:\/\/backups\/v1\/a\.pitr failed with HTTP 400 InvalidArgument/],
    ];
    for (const [err, message] of cases) {
      const classified = classifyStorageError(err, where);
      assert.ok(classified instanceof TerminalStorageError, `${err.name} should be terminal`);
      assert.equal(classified.terminal, true);
      assert.match(classified.message, message);
      assert.ok(classified.hint && classified.hint.length > 10);
    }
    assert.ok(classifyStorageError(sdkError('NoSuchKey', 404), where) instanceof ObjectNotFoundError);
    assert.ok(classifyStorageError(sdkError('NoSuchUpload', 404), where) instanceof UploadNotFoundError);
  });
});

describe('storage retries', () => {
  const fast = { attempts: 4, baseDelayMs: 1, maxDelayMs: 2 };

  it('retries transient failures and returns the eventual result', async () => {
    let calls = 0;
    const result = await withRetry(async () => (++calls < 3 ? Promise.reject(sdkError('SlowDown', 503)) : 'done'), where, fast);
    assert.equal(result, 'done');
    assert.equal(calls, 3);
  });

  it('does not retry terminal failures', async () => {
    let calls = 0;
    await assert.rejects(
      withRetry(async () => Promise.reject(sdkError('AccessDenied', (++calls, 403))), where, fast),
      TerminalStorageError,
    );
    assert.equal(calls, 1);
  });

  it('gives up after the attempt budget with a transient error that says so', async () => {
    let calls = 0;
    await assert.rejects(
      withRetry(async () => Promise.reject(sdkError('InternalError', (++calls, 500))), where, fast),
      (err: unknown) => {
        assert.ok(err instanceof TransientStorageError);
        assert.equal(err.failure.attempts, 4);
        assert.match(err.message, /still failing after 4 attempts/);
        return true;
      },
    );
    assert.equal(calls, 4);
  });

  it('tells the listener of every failure it retries; the last one is thrown instead', async () => {
    const heard: string[] = [];
    const failing = withRetry(
      async () => Promise.reject(sdkError('SlowDown', 503)),
      where,
      fast,
      undefined,
      (failure) => heard.push(failure.message),
    );
    await assert.rejects(failing, /still failing after 4 attempts/);
    assert.equal(heard.length, 3);
    assert.match(heard[0]!, /HTTP 503 SlowDown/);
  });

  it('stops retrying when aborted', async () => {
    const controller = new AbortController();
    let calls = 0;
    const pending = withRetry(
      async () => Promise.reject(sdkError('SlowDown', (++calls, 503))),
      where,
      { attempts: 10, baseDelayMs: 50, maxDelayMs: 50 },
      controller.signal,
    );
    controller.abort(new Error('worker shutting down'));
    await assert.rejects(pending, /worker shutting down/);
    assert.equal(calls, 1);
  });

  it('backs off exponentially with full jitter, capped', () => {
    const policy = { attempts: 10, baseDelayMs: 100, maxDelayMs: 1000 };
    assert.equal(
      backoffDelayMs(policy, 1, () => 0.999),
      99,
    );
    assert.equal(
      backoffDelayMs(policy, 3, () => 0.5),
      200,
    );
    assert.equal(
      backoffDelayMs(policy, 8, () => 0.999),
      999,
    );
    assert.equal(
      backoffDelayMs(policy, 8, () => 0),
      0,
    );
  });
});

describe('storage configuration and names', () => {
  const env = { PITR_S3_ENDPOINT: 'http://127.0.0.1:9000', AWS_ACCESS_KEY_ID: 'id', AWS_SECRET_ACCESS_KEY: 'secret' };

  it('reads the S3 settings and names the missing variable', () => {
    assert.deepEqual(storageSettingsFromEnv(env), {
      ...{ endpoint: env.PITR_S3_ENDPOINT, accessKeyId: 'id', secretAccessKey: 'secret' },
      region: 'us-east-1',
      prefix: 'v1/',
      checksums: 'when-supported',
    });
    assert.equal(storageSettingsFromEnv({ ...env, PITR_S3_CHECKSUMS: 'when-required' }).checksums, 'when-required');
    assert.throws(() => storageSettingsFromEnv({ ...env, PITR_S3_CHECKSUMS: 'never' }), /PITR_S3_CHECKSUMS=never is neither/);
    for (const variable of ['PITR_S3_ENDPOINT', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] as const) {
      assert.throws(
        () => storageSettingsFromEnv({ ...env, [variable]: undefined }),
        (err: unknown) => err instanceof MissingSettingError && err.message.startsWith(`${variable} is not set`),
      );
    }
    assert.throws(() => storageSettingsFromEnv({ ...env, PITR_S3_ENDPOINT: 'minio:9000' }), /is not an http\(s\) URL/);
    assert.throws(() => storageSettingsFromEnv({ ...env, PITR_S3_PREFIX: 'v2' }), /must be empty or a path ending in '\/'/);
  });

  it('parses s3:// URLs', () => {
    assert.deepEqual(parseS3Url('s3://backups/v1/t/a.pitr'), { bucket: 'backups', key: 'v1/t/a.pitr' });
    for (const bad of ['backups/a', 's3://backups/', 's3://Bad_Bucket/a', 's3://backups'])
      assert.throws(() => parseS3Url(bad), InvalidInputError);
  });

  it('builds deterministic keys and quarantine keys under the prefix', () => {
    const orders = { tenantId: 'acme', clusterId: 'orders' };
    assert.equal(segmentKey('v1/', orders, 's1', 'binlog.000042'), 'v1/tenants/acme/clusters/orders/binlogs/s1/binlog.000042');
    assert.throws(() => segmentKey('v1/', { tenantId: 'acme', clusterId: '..' }, 's1', 'binlog.000042'), InvalidInputError);
    assert.throws(() => segmentKey('v1/', orders, 's1', 'a/b'), InvalidInputError);
    assert.equal(quarantineKey('v1/', 'v1/tenants/acme/x.pitr'), 'v1/failed/tenants/acme/x.pitr');
    assert.equal(quarantineKey('v1/', 'elsewhere/x.pitr'), 'v1/failed/elsewhere/x.pitr');
  });
});

describe('byte queue', () => {
  it('hands out exact sizes across piece boundaries, copying or as slices', () => {
    const queue = new ByteQueue();
    for (const piece of ['abc', '', 'defgh', 'ij']) queue.push(Buffer.from(piece));
    assert.equal(queue.take(2).toString(), 'ab');
    assert.deepEqual(queue.takePieces(5).map(String), ['c', 'defg']);
    assert.equal(queue.take(10).toString(), 'hij');
    assert.equal(queue.bytes, 0);
  });
});
