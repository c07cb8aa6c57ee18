import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { MAX_DEFAULT_COMPRESSION_WORKERS } from '../../../adapters/artifact/encode';
import type { AgentConfig } from '../../../adapters/config/config';
import type { UploadResult } from '../../../domain/backup';
import { recordHistory } from '../../harness/histories';
import { activityResults, isRunning, isUploadingPastFirstPart } from '../../harness/activity-history';
import { withAgentHost } from '../../harness/agent-process';
import { assertOneCompletedBackup } from '../../harness/backup-outcome';
import { freshDbInstance } from '../../harness/instances';
import { registerTestCluster, startBackup, startTestCentralWorkers } from '../../harness/workers';
import { loadIncompressibleRows } from '../../harness/data';
import { waitForActivity, type PendingActivity } from '../../harness/wait';

const centralReady = startTestCentralWorkers();

// The cases wait mostly on heartbeat timeouts and throttled uploads, so they overlap.
describe('an agent killed in a long phase', { concurrency: true }, () => {
  for (const phase of ['execute', 'upload'] as const) {
    test(`an agent killed during ${phase} leaves exactly one artifact, manifest and catalog row`, async () => {
      const central = await centralReady;
      const source = await freshDbInstance('mysql');
      await loadIncompressibleRows(source, 36_000);
      const ids = { tenantId: 't-crash', clusterId: `c-crash-${phase}-${process.pid}`, engine: 'mysqldump' as const };
      const config: AgentConfig = await registerTestCluster(source, ids, { throttle: { uploadMBps: 4 } });
      const configFile = join(config.stagingDir, '..', `${ids.clusterId}.json`);
      writeFileSync(configFile, JSON.stringify(config));

      await withAgentHost(configFile, async (agent) => {
        const { handle, workflowId } = await startBackup({ tenantId: ids.tenantId, clusterId: ids.clusterId });
        const activity = phase === 'execute' ? 'executeBackup' : 'uploadArtifact';
        // In execute, the dump file appearing shows the tool is running; in upload, the heartbeat names stored parts.
        const inside =
          phase === 'execute'
            ? (a: PendingActivity) =>
                isRunning(activity)(a) && readdirSync(config.stagingDir, { recursive: true }).some((f) => String(f).endsWith('dump.sql'))
            : isUploadingPastFirstPart(activity);
        // Generous: on a loaded machine the dump before the upload alone can take over a minute.
        await waitForActivity(handle, `the agent to be inside ${activity}`, inside, 180_000);
        await agent.restart();
        const result = await handle.result();
        await recordHistory(handle, `baseBackupWorkflow.agent-killed-in-${phase}`);
        await assertOneCompletedBackup(central, { ...ids, workflowId, stagingDir: config.stagingDir }, result);
        if (phase === 'upload') {
          const [uploaded] = await activityResults<UploadResult>(handle, 'uploadArtifact');
          assert.equal(uploaded?.resumeRejected, undefined, 'the retry used the parts the killed attempt recorded');
          assert.ok((uploaded?.partsReused ?? 0) > 0, `the retry resumed from the recorded parts (reused ${uploaded?.partsReused})`);
          assert.equal(
            uploaded?.compression.workers,
            Math.min(availableParallelism(), MAX_DEFAULT_COMPRESSION_WORKERS),
            'the manifest names the zstd workers used',
          );
        }
      });
    });
  }
});
