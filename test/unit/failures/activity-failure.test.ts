import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ApplicationFailure, defaultFailureConverter, defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { temporalActivity } from '../../../activities/temporal-failure';
import { TransientStorageError } from '../../../adapters/storage/errors';
import { PitrError } from '../../../domain/errors';

/** The server's limit on a retrying activity's last failure, all of it encoded. */
const SERVER_FAILURE_LIMIT = 4096;

const failureOf = (err: unknown) =>
  temporalActivity(() => Promise.reject(err))().then(
    () => assert.fail('the activity should fail'),
    (failure: unknown) => failure as ApplicationFailure,
  );

const encodedSize = (failure: Error) =>
  temporal.api.failure.v1.Failure.encode(defaultFailureConverter.errorToFailure(failure, defaultPayloadConverter)).finish().length;

/** An error as deep as a storage SDK's: long message, long stack, a cause with its own. */
function deepError(depth: number): Error {
  const err = new Error(`<Error><Code>SlowDown</Code><Message>${'Please reduce your request rate. '.repeat(20)}</Message></Error>`);
  err.stack = `${err.message}\n${Array.from({ length: 30 }, (_, i) => `    at frame${i} (/opt/app/node_modules/@aws-sdk/some/deeply/nested/module/path/file${i}.js:${i}:7)`).join('\n')}`;
  if (depth > 0) Object.assign(err, { cause: deepError(depth - 1) });
  return err;
}

test('a typed failure with a long message and a deep cause chain stays under the server’s limit, its hint and type whole', async () => {
  const storage = new TransientStorageError(
    `upload of segment 7: HTTP 503 SlowDown ${'x'.repeat(6000)} (still failing after 5 attempts)`,
    { status: 503 } as never,
    {
      hint: 'the storage is overloaded or unreachable for now; check the endpoint',
      cause: deepError(3),
    },
  );
  const failure = await failureOf(storage);
  assert.ok(encodedSize(failure) < SERVER_FAILURE_LIMIT, `encoded failure of ${encodedSize(failure)} bytes`);
  assert.equal(failure.type, 'TransientStorageError');
  assert.equal(failure.nonRetryable, false);
  assert.match(
    failure.message,
    /^upload of segment 7: HTTP 503 SlowDown x+ … \(\d+ characters left out\) … x+ \(still failing after 5 attempts\) \(what to do: the storage is overloaded/,
  );
  assert.deepEqual(failure.details, [{ hint: 'the storage is overloaded or unreachable for now; check the endpoint' }]);
  assert.match(failure.stack ?? '', /^TransientStorageError: upload of segment 7/);
});

test('an untyped error is a retryable failure of its own type name, also within the limit', async () => {
  const failure = await failureOf(deepError(4));
  assert.ok(encodedSize(failure) < SERVER_FAILURE_LIMIT, `encoded failure of ${encodedSize(failure)} bytes`);
  assert.equal(failure.type, 'Error');
  assert.equal(failure.nonRetryable, false);
  assert.match(failure.message, /^<Error><Code>SlowDown<\/Code>/);
});

test('a terminal typed error stays non-retryable and a short message is kept as it is', async () => {
  const failure = await failureOf(new PitrError('manifest signature mismatch', { hint: 'quarantined', terminal: true }));
  assert.deepEqual([failure.message, failure.nonRetryable], ['manifest signature mismatch (what to do: quarantined)', true]);
});
