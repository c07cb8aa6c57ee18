/**
 * Run by binlog-unreadable.test.ts as an unprivileged user, since root reads every file whatever
 * its mode: reads each binlog named on the command line as an archive pass does — the survey's
 * creation time, then the agent's inspectSegment activity as its worker runs it — and prints, as
 * JSON, what each read gave, or the failure as the archive pass records it.
 */
import { basename, dirname } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createAgentArchiveActivities } from '../../../activities/archive/agent-activities';
import { withCreationTimes } from '../../../activities/archive/survey';
import type { AgentArchiveActivities } from '../../../activities/archive/types';
import { AgentConfigSchema } from '../../../adapters/config/config';
import { temporalActivities } from '../../../activities/temporal-failure';
import type { ArchiveRef, InspectedSegment } from '../../../domain/archive/types';
import { PitrError } from '../../../domain/errors';
import { archivePassError } from '../../../workflows/archive-pass-error';

export type ProbeFailure = { type: string; message: string; hint: string | null; terminal: boolean };
export interface ProbeRead {
  path: string;
  survey: { createdSeconds: number | null } | ProbeFailure;
  inspect: { sha256: string } | ProbeFailure;
}

function failure(err: unknown): ProbeFailure {
  if (err instanceof ApplicationFailure) return { ...archivePassError(err), terminal: err.nonRetryable === true };
  if (err instanceof PitrError) return { type: err.name, message: err.message, hint: err.hint ?? null, terminal: err.terminal };
  return { type: (err as Error).name, message: (err as Error).message, hint: null, terminal: false };
}

async function read(path: string): Promise<ProbeRead> {
  const config = AgentConfigSchema.parse({
    temporal: { address: '127.0.0.1:7233' },
    storage: { endpoint: 'http://127.0.0.1:9000', bucket: 'pitr', accessKeyId: 'id', secretAccessKey: 'secret' },
    masterKeyFile: '/nonexistent/master-key',
    tenantId: 'acme',
    clusterId: 'orders',
    database: { flavor: 'mysql', port: 3306, user: 'backup', binlogDir: dirname(path) },
    stagingDir: '/nonexistent/staging',
  });
  const file = basename(path);
  const survey = await withCreationTimes(config, [{ name: file, sizeBytes: 0 }]).then(
    ([dated]) => ({ createdSeconds: dated?.createdSeconds ?? null }),
    failure,
  );
  const activities = temporalActivities(createAgentArchiveActivities(config));
  const inspect = await new MockActivityEnvironment()
    .run<[ArchiveRef & { file: string }], InspectedSegment, AgentArchiveActivities['inspectSegment']>(activities.inspectSegment, {
      tenantId: 'acme',
      clusterId: 'orders',
      file,
    })
    .then((inspected) => ({ sha256: inspected.sha256 }), failure);
  return { path, survey, inspect };
}

async function main(): Promise<void> {
  const reads: ProbeRead[] = [];
  for (const path of process.argv.slice(2)) reads.push(await read(path));
  process.stdout.write(JSON.stringify(reads));
}

void main();
