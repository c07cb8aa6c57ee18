import type { WorkflowHandle } from '@temporalio/client';
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { toolchain } from '../../adapters/servers/toolchain';
import { testStack } from './env';

export const HISTORIES_DIR = resolve(__dirname, '../../../test/histories');

/** Workflows derive ids from their own workflow id, so replay needs the one they ran with. */
export interface RecordedHistory {
  workflowId: string;
  history: unknown;
}

/**
 * With PITR_RECORD_HISTORIES=1, saves a finished workflow's real history (the Temporal
 * CLI's JSON, as the UI downloads it) under test/histories/, where the replay test holds
 * every later version of the workflow code to it.
 */
export async function recordHistory(handle: WorkflowHandle, name: string): Promise<void> {
  if (process.env.PITR_RECORD_HISTORIES !== '1') return;
  mkdirSync(HISTORIES_DIR, { recursive: true });
  const { stdout } = await promisify(execFile)(
    toolchain().temporal,
    [
      'workflow',
      'show',
      '--address',
      testStack().temporal.address,
      '--namespace',
      testStack().temporal.namespace,
      '--workflow-id',
      handle.workflowId,
      '--output',
      'json',
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  const recorded: RecordedHistory = { workflowId: handle.workflowId, history: JSON.parse(stdout) };
  writeFileSync(join(HISTORIES_DIR, `${name}.json`), `${JSON.stringify(recorded, null, 1)}\n`);
}
