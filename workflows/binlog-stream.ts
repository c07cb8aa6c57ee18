import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  continueAsNew,
  isCancellation,
  patched,
  proxyActivities,
  sleep,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { AgentArchiveActivities, CentralArchiveActivities } from '../activities/archive/types';
import type { CentralBackupActivities } from '../activities/backup/types';
import type { ArchiveRef, SealedPiece, SegmentEnd } from '../domain/archive/types';
import { notStreamedRefusal, STREAM_RETRY_MAX_SECONDS } from '../domain/archive/stream-mirror';
import { failureText } from '../domain/archive/pass-failure';
import { agentTaskQueue } from '../domain/task-queues';
import { AgentQueueWatch } from './agent-queue-watch';
import { archivePassError } from './archive-pass-error';
import { PATCHES } from './patches';

/** One run of the receiver: then the workflow continues as new, so its history stays short however long the stream lives. */
export const STREAM_RUN_SECONDS = 10 * 60;

/**
 * How long a piece gathers what a busy server writes before it is sealed: what a transaction
 * waits at most before its upload starts. Shorter pieces would add history events (a dozen a
 * piece) faster than a run of the receiver can hold.
 */
export const SEAL_GATHER_MS = 400;

/** How long one call of the sealer waits for a transaction on an idle server before it reports none. */
const SEAL_WAIT_MS = 5000;

/** After a piece could not be placed in the archive (a diverged history, storage that lost the upload), the sealer tries again this much later. */
const PLACE_RETRY = '30 seconds';

const endOf = (piece: SealedPiece): SegmentEnd => ({
  serverKey: piece.server.key,
  file: piece.inspected.file,
  endOffset: piece.startOffset + piece.inspected.sizeBytes,
  closesFile: piece.closesFile,
  startOffset: piece.startOffset,
  sha256: piece.inspected.sha256,
});

/**
 * The binlog stream of a cluster registered with `--archive stream`: its agent follows the
 * server over the replication protocol, as a replica does, into a mirror on the agent's host,
 * where archive passes take the closed binlogs from. A long-running activity receives; each
 * run lasts STREAM_RUN_SECONDS, then the workflow continues as new with the archive's newest
 * file, so a restarted receiver resumes at the first binlog still to archive. A receiver that
 * loses its server (a restart, a failover, a cut network) or its agent fails its attempt and is
 * retried within seconds, for ever: the stream stops only when its workflow is cancelled
 * (`pitr binlogs stream --stop`).
 */
export async function binlogStreamWorkflow(input: ArchiveRef): Promise<never> {
  const { tenantId, clusterId } = input;
  upsertSearchAttributes({ TenantId: [tenantId], ClusterId: [clusterId] });
  const central = proxyActivities<
    Pick<CentralArchiveActivities, 'newestArchivedFile' | 'alertStreamStopped'> & Pick<CentralBackupActivities, 'loadCluster'>
  >({
    startToCloseTimeout: '1 minute',
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
  });
  const cluster = await central.loadCluster(input);
  if (cluster.archiveSource !== 'stream') {
    const { message, hint } = notStreamedRefusal(clusterId);
    throw ApplicationFailure.nonRetryable(`${message} (what to do: ${hint})`, 'ArchiveSourceError');
  }
  const queue = agentTaskQueue(tenantId, clusterId);
  const watch = new AgentQueueWatch(tenantId, clusterId);
  watch.watch(queue);
  const agent = watch.agents(
    proxyActivities<AgentArchiveActivities>({
      taskQueue: queue,
      startToCloseTimeout: `${STREAM_RUN_SECONDS + 120} seconds`,
      // Short: a dead agent's stream moves to the next one within seconds, and its progress shows as often.
      heartbeatTimeout: '10 seconds',
      retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: `${STREAM_RETRY_MAX_SECONDS} seconds` },
    }),
  );
  const newestArchived = await central.newestArchivedFile(input);
  watch.details(`receiving the binlogs of ${clusterId} from its server (newest archived: ${newestArchived?.file ?? 'none'})`);
  const receiver = new CancellationScope();
  const receiving = receiver.run(() => agent.followBinlogStream({ ...input, newestArchived, runForSeconds: STREAM_RUN_SECONDS }));
  try {
    if (patched(PATCHES.streamSealsPieces)) await sealWhileReceiving(input, queue, watch, receiving);
    const followed = await receiving;
    watch.details(`received through ${followed.lastFile} (${followed.lastFileBytes} bytes) of server ${followed.serverKey}`);
  } catch (err) {
    // Only a terminal failure reaches here: the receiver retries everything else for ever.
    if (!isCancellation(err) && patched(PATCHES.streamStopAlert)) {
      // A sealer that found the server reset leaves the receiver running: it is stopped with the stream.
      receiver.cancel();
      await central.alertStreamStopped({ ...input, reason: failureText(archivePassError(err)) });
    }
    throw err;
  }
  return continueAsNew<typeof binlogStreamWorkflow>(input);
}

/** A sealer failure that ends the stream: the server's history went back behind the archive (a reset). */
function endsStream(err: unknown): boolean {
  return err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type === 'BinlogsResetError';
}

/**
 * While the receiver runs, seals what it received into pieces and places each in the archive:
 * a transaction is recoverable once the piece holding it is registered, within about a second
 * of its commit on a busy server. A piece the archive refuses (its history diverged, or storage
 * lost its upload) is raised as an alert by the central worker; the sealer then starts again
 * from the archive's end a little later, while the receiver keeps the binlogs coming.
 */
async function sealWhileReceiving(input: ArchiveRef, queue: string, watch: AgentQueueWatch, receiving: Promise<unknown>): Promise<void> {
  let received = false;
  void receiving.then(
    () => (received = true),
    () => (received = true),
  );
  const central = proxyActivities<Pick<CentralArchiveActivities, 'newestSegmentEnd' | 'registerStreamPiece'>>({
    startToCloseTimeout: '1 minute',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 10 },
  });
  const sealer = watch.agents(
    proxyActivities<AgentArchiveActivities>({
      taskQueue: queue,
      startToCloseTimeout: '10 minutes',
      heartbeatTimeout: '10 seconds',
      retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: `${STREAM_RETRY_MAX_SECONDS} seconds` },
    }),
  );
  let after = await central.newestSegmentEnd(input);
  while (!received) {
    let piece: SealedPiece | null = null;
    try {
      piece = await sealer.sealStreamPiece({ ...input, after, waitMs: SEAL_WAIT_MS, gatherMs: SEAL_GATHER_MS });
      if (piece === null) continue;
      const placed = await central.registerStreamPiece({ ...input, piece });
      after = endOf(piece);
      watch.details(
        `archived ${piece.inspected.file} through offset ${after.endOffset} of server ${piece.server.key}${placed.gap ? `; ${placed.gap}` : ''}`,
      );
    } catch (err) {
      if (isCancellation(err) || endsStream(err)) throw err;
      const what = piece ? `${piece.inspected.file} from offset ${piece.startOffset}` : `after ${after?.file ?? 'the start'}`;
      watch.details(`could not archive the stream's binlog ${what}: ${(err as Error).message}; trying again in ${PLACE_RETRY}`);
      await sleep(PLACE_RETRY);
      after = await central.newestSegmentEnd(input);
    }
  }
}
