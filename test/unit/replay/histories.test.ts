import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Worker } from '@temporalio/worker';
import { HISTORIES_DIR, RecordedHistory } from '../../harness/histories';
import { workflowBundle } from '../../harness/workers';

// Histories recorded from real runs (PITR_RECORD_HISTORIES=1 npm test): a change to workflow
// code that would not replay them deterministically fails here, before it reaches a worker
// with running workflows. Changes after release go through patched().
const files = readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.json')).sort();

test('recorded histories exist for every workflow', () => {
  const types = new Set(files.map((f) => f.split('.')[0]));
  for (const workflow of ['baseBackupWorkflow', 'backupVerificationWorkflow']) assert.ok(types.has(workflow), `no history of ${workflow}`);
});

for (const file of files) {
  test(`replays ${file} deterministically`, async () => {
    const recorded = JSON.parse(readFileSync(join(HISTORIES_DIR, file), 'utf8')) as RecordedHistory;
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, recorded.history, recorded.workflowId);
  });
}
