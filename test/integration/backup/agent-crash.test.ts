import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { AgentConfig } from '../../../activities/config/config';
import { recordHistory } from '../../harness/histories';
import { withAgentHost } from '../../harness/agent-process';
import { assertOneCompletedBackup } from '../../harness/backup-outcome';
import { freshDbInstance } from '../../harness/instances';
import { registerTestCluster, startBackup, startTestCentralWorkers } from '../../harness/workers';
import { loadIncompressibleRows } from '../../harness/data';
import { waitForActivity } from '../../harness/wait';

const centralReady = startTestCentralWorkers();

// The cases wait mostly on heartbeat timeouts and throttled uploads, so they overlap.
describe('an agent killed in a long phase', { concurrency: true }, () => {
  for (const phase of ['execute', 'upload'] as const) {
    test(`an agent killed during ${phase} leaves exactly one artifact, manifest and catalog row`, async () => {
      const central = await centralReady;
      const source = await freshDbInstance('mysql');
      await loadIncompressibleRows(source, 24_000);
      const ids = { tenantId: 't-crash', clusterId: `c-crash-${phase}-${process.pid}`, engine: 'mysqldump' as const };
      const config: AgentConfig = await registerTestCluster(source, ids, { throttle: { uploadMBps: 4 } });
      const configFile = join(config.stagingDir, '..', `${ids.clusterId}.json`);
      writeFileSync(configFile, JSON.stringify(config));

      await withAgentHost(configFile, async (agent) => {
        const { handle, workflowId } = await startBackup({ tenantId: ids.tenantId, clusterId: ids.clusterId });
        const activity = phase === 'execute' ? 'executeBackup' : 'uploadArtifact';
        // In execute, the dump file appearing shows the tool is running; in upload, a heartbeat shows parts went out.
        const inside =
          phase === 'execute'
            ? () => readdirSync(config.stagingDir, { recursive: true }).some((f) => String(f).endsWith('dump.sql'))
            : (a: { heartbeatDetails?: unknown }) => !!a.heartbeatDetails;
        await waitForActivity(handle, `the agent to be inside ${activity}`, (a) => a.activityType?.name === activity && inside(a));
        await agent.restart();
        const result = await handle.result();
        await recordHistory(handle, `baseBackupWorkflow.agent-killed-in-${phase}`);
        await assertOneCompletedBackup(central, { ...ids, workflowId, stagingDir: config.stagingDir }, result);
      });
    });
  }
});
