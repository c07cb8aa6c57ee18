import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { archiveRpoSeconds, unarchivedSinceSeconds } from '../../../domain/archive/rpo';
import type { BinlogSurvey } from '../../../domain/archive/types';

const T0 = Date.parse('2026-11-24T03:00:00Z') * 1000;
const at = (s: number) => T0 + s * 1_000_000;

describe('archive RPO', () => {
  test('an idle server whose commits are all archived loses nothing, however old its newest commit', () => {
    const observation = { observedAtMicros: at(3600), unarchivedSinceMicros: null, failedSince: false };
    assert.equal(archiveRpoSeconds(at(3630), at(10), observation), 0);
  });

  test('a commit left unarchived counts from itself, not from the newest archived one', () => {
    const observation = { observedAtMicros: at(100), unarchivedSinceMicros: at(90), failedSince: false };
    assert.equal(archiveRpoSeconds(at(130), at(10), observation), 40);
  });

  test('while passes fail, nothing committed since the last ok look is known: it counts from that look', () => {
    assert.equal(archiveRpoSeconds(at(130), at(10), { observedAtMicros: at(100), unarchivedSinceMicros: null, failedSince: true }), 30);
    assert.equal(archiveRpoSeconds(at(130), at(10), { observedAtMicros: at(100), unarchivedSinceMicros: at(95), failedSince: true }), 35);
  });

  test('without an observation it is the age of the newest archived commit, and unknown before anything is archived', () => {
    assert.equal(archiveRpoSeconds(at(30), at(10), undefined), 20);
    assert.equal(archiveRpoSeconds(at(30), null, undefined), null);
    assert.equal(archiveRpoSeconds(at(30), null, { observedAtMicros: at(20), unarchivedSinceMicros: null, failedSince: false }), 0);
  });
});

describe('the oldest commit a pass leaves unarchived', () => {
  const survey = (activeFirstTransactionSeconds?: number | null): BinlogSurvey => ({
    server: { key: 'server-1', uuid: undefined, id: 1 },
    closed: [{ name: 'binlog.000007', sizeBytes: 10, createdSeconds: 500 }],
    active: 'binlog.000008',
    activePreviousGtids: '0-1-7',
    ...(activeFirstTransactionSeconds === undefined ? {} : { activeFirstTransactionSeconds }),
    rotated: undefined,
  });

  test('is in the first file left for the next pass, else in the active binlog', () => {
    assert.equal(unarchivedSinceSeconds(survey(900), ['binlog.000007']), 500);
    assert.equal(unarchivedSinceSeconds(survey(900), []), 900);
    assert.equal(unarchivedSinceSeconds(survey(null), []), null);
  });

  test('is unknown from an agent whose survey does not tell', () => {
    assert.equal(unarchivedSinceSeconds(survey(), []), undefined);
  });
});
