import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import type { AgentConfig } from '../../../adapters/config/config';
import type { DbInstance } from '../../../adapters/servers/db-instance';
import type { SegmentRecord } from '../../../adapters/catalog/segments';
import type { Flavor } from '../../../domain/backup';
import { testStack } from '../../harness/env';
import { asOperatorsRunIt } from '../../harness/workers';
import { archiveOf, archivePass, canonical, type ClusterIds, segmentsOf, setRpo } from './archive-harness';

/** The agent's host has no view of the server's files: only its least-privilege account over TCP. */
export async function streamingAgentDatabase(db: DbInstance, name: string): Promise<AgentConfig['database']> {
  return { ...(await asOperatorsRunIt(db)), binlogDir: join(testStack().stateDir, `not-mounted-${name}`), archiveSource: 'stream' };
}

/**
 * Archive passes until the archive reaches `executed` (the mirror may trail a pass by the moment
 * the receiver takes to reconnect); returns the archive's segments.
 */
export async function archiveStreamedThrough(client: Client, ids: ClusterIds, flavor: Flavor, executed: string): Promise<SegmentRecord[]> {
  await setRpo(ids, flavor, 1);
  await sleep(1100);
  let segments = segmentsOf(await archiveOf(ids));
  for (let pass = 0; pass < 60 && canonical(flavor, segments.at(-1)?.reachedGtids ?? '') !== executed; pass++) {
    await archivePass(client, ids);
    segments = segmentsOf(await archiveOf(ids));
    await sleep(500);
  }
  assert.equal(canonical(flavor, segments.at(-1)?.reachedGtids ?? ''), executed, 'the archive reaches every committed transaction');
  return segments;
}

/** Waits, running no archive pass, until the stream's sealed pieces reach `executed`; returns the archive's segments. */
export async function sealedThrough(ids: ClusterIds, flavor: Flavor, executed: string): Promise<SegmentRecord[]> {
  let segments = segmentsOf(await archiveOf(ids));
  for (let poll = 0; poll < 300 && canonical(flavor, segments.at(-1)?.reachedGtids ?? '') !== executed; poll++) {
    await sleep(100);
    segments = segmentsOf(await archiveOf(ids));
  }
  assert.equal(canonical(flavor, segments.at(-1)?.reachedGtids ?? ''), executed, 'the sealed pieces reach every committed transaction');
  return segments;
}
