import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ActivityFailure, type ApplicationFailure, RetryState, TimeoutFailure, TimeoutType } from '@temporalio/common';
import { DatabaseUnavailableError } from '../../../adapters/db/connect';
import { temporalActivity } from '../../../activities/temporal-failure';
import { archivePassError } from '../../../workflows/archive-pass-error';

const inActivity = (activityType: string, cause: Error) =>
  new ActivityFailure('Activity task failed', activityType, 'activity-1', RetryState.NON_RETRYABLE_FAILURE, 'identity', cause);

describe('the error of a failed archive pass', () => {
  test('a typed error keeps its name, message and hint apart, and names its activity', async () => {
    const denied = new DatabaseUnavailableError('cannot connect to mysql at db:3306: Access denied', {
      hint: 'check the password',
      terminal: true,
    });
    const failure = await temporalActivity(() => Promise.reject(denied))().catch((err: unknown) => err as ApplicationFailure);
    assert.deepEqual(archivePassError(inActivity('surveyBinlogs', failure)), {
      type: 'DatabaseUnavailableError',
      message: 'cannot connect to mysql at db:3306: Access denied',
      hint: 'check the password',
      activity: 'surveyBinlogs',
    });
  });

  test('an agent that never answers is a timeout with what to check', () => {
    const error = archivePassError(
      inActivity('inspectSegment', new TimeoutFailure('activity Heartbeat timeout', undefined, TimeoutType.HEARTBEAT)),
    );
    assert.deepEqual([error.type, error.activity], ['TimeoutFailure', 'inspectSegment']);
    assert.match(error.hint ?? '', /pitr agent/);
  });
});
