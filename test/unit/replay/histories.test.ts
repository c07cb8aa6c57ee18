import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Worker } from '@temporalio/worker';
import { HISTORIES_DIR, type RecordedHistory } from '../../harness/histories';
import { workflowBundle } from '../../harness/workflow-bundle';
import * as workflows from '../../../workflows';

// Histories recorded from real runs (PITR_RECORD_HISTORIES=1 npm test): a change to workflow
// code that would not replay them deterministically fails here, before it reaches a worker
// with running workflows. Changes after release go through patched().
const files = readdirSync(HISTORIES_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();

test('every workflow the workers register has a recorded history', () => {
  const types = new Set(files.map((f) => f.split('.')[0]));
  const registered = Object.entries(workflows)
    .filter(([, value]) => typeof value === 'function')
    .map(([name]) => name);
  assert.ok(registered.length >= 7, `workflows/index.ts exports ${registered.join(', ')}`);
  for (const workflow of registered)
    assert.ok(types.has(workflow), `no recorded history of ${workflow}: record one (PITR_RECORD_HISTORIES=1) in the test that runs it`);
});

for (const file of files) {
  test(`replays ${file} deterministically`, async () => {
    const recorded = JSON.parse(readFileSync(join(HISTORIES_DIR, file), 'utf8')) as RecordedHistory;
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, recorded.history, recorded.workflowId);
  });
}
