import type { PoolClient } from 'pg';
import { filesBetween, inBinlogOrder } from '../../domain/archive/binlog-names';
import { checkContinuity, type ContinuityVerdict, historyWentBack } from '../../domain/archive/continuity';
import { microsOf, missingText } from '../../domain/archive/recoverable';
import type { ActiveBinlog, ArchiveRef, BinlogServer, InspectedSegment, SegmentCheck, UploadedSegment } from '../../domain/archive/types';
import { InvalidInputError, PitrError } from '../../domain/errors';
import type { ArtifactServices } from '../../adapters/artifact/services';
import { raiseAlert } from '../../adapters/catalog/alerts';
import { noteStreamPiece } from '../metrics';
import { divergedSubject } from '../../adapters/catalog/archive-halts';
import type { Catalog } from '../../adapters/catalog/catalog';
import { getCluster } from '../../adapters/catalog/clusters';
import {
  catalogedFiles,
  findSegment,
  insertGap,
  insertSegment,
  lastSegmentOf,
  lockArchive,
  newestSegmentEnd,
  newestSegmentFile,
  streamHead,
  type NewSegment,
  type SegmentRecord,
} from '../../adapters/catalog/segments';
import { ArchiveMovedError, BinlogGapError, BinlogHistoryDivergedError, BinlogRewrittenError, BinlogsResetError } from './errors';
import type { CentralArchiveActivities } from './types';

export class SegmentObjectMissingError extends PitrError {}

type Decision =
  | { kind: 'known' }
  | { kind: 'rewritten'; archivedSha256: string }
  | { kind: 'went-back'; lost: string }
  | { kind: 'placed'; verdict: ContinuityVerdict; head: { reached: string; lastFile: string | null } | undefined };

/** Where a file stands against the stream, decided under the cluster's archive lock. */
async function decide(
  db: PoolClient,
  ref: ArchiveRef,
  server: BinlogServer,
  inspected: InspectedSegment,
  flavor: 'mysql' | 'mariadb',
  startOffset = 0,
): Promise<Decision> {
  if (inspected.summary.flavor !== flavor) {
    throw new InvalidInputError(
      `binlog ${inspected.file} was written by ${inspected.summary.flavor}, but cluster ${ref.clusterId} is ${flavor}`,
      {
        hint: 'the agent of this cluster points at another server: check its database settings',
      },
    );
  }
  await lockArchive(db, ref.clusterId);
  const existing = await findSegment(db, ref.clusterId, server.key, inspected.file, startOffset);
  if (existing) return existing.sha256 === inspected.sha256 ? { kind: 'known' } : { kind: 'rewritten', archivedSha256: existing.sha256 };
  const last = await lastSegmentOf(db, ref.clusterId, server.key);
  const lost =
    last && historyWentBack(flavor, last, { file: inspected.file, previousGtids: inspected.summary.previousGtids, gtids: inspected.gtids });
  if (lost) return { kind: 'went-back', lost };
  const head = await streamHead(db, ref.clusterId);
  return {
    kind: 'placed',
    verdict: checkContinuity(flavor, head?.reached, { previousGtids: inspected.summary.previousGtids, gtids: inspected.gtids }),
    head,
  };
}

/**
 * What a server's active binlog shows it lost since its last archived segment, if anything. A
 * stream's pieces of the active file start inside it: only another file's history is compared.
 */
function activeWentBack(flavor: 'mysql' | 'mariadb', last: SegmentRecord, active: ActiveBinlog): string | undefined {
  if (last.file !== active.file)
    return historyWentBack(flavor, last, { file: active.file, previousGtids: active.previousGtids, gtids: '' });
  return last.closesFile ? `${active.file} is archived whole, yet the server writes it again` : undefined;
}

/** A whole file, or the piece of one that starts at `startOffset` and may close it. */
type Extent = { startOffset: number; closesFile: boolean };
const WHOLE_FILE: Extent = { startOffset: 0, closesFile: true };

function segmentRow(
  server: BinlogServer,
  inspected: InspectedSegment,
  verdict: ContinuityVerdict,
  uploaded: UploadedSegment | undefined,
  extent: Extent = WHOLE_FILE,
): NewSegment {
  const s = inspected.summary;
  return {
    server,
    file: inspected.file,
    ...extent,
    status: uploaded ? 'archived' : 'redundant',
    previousGtids: s.previousGtids,
    gtids: inspected.gtids,
    overlapGtids: verdict.continuity.kind === 'overlaps' ? verdict.continuity.overlap : '',
    reachedGtids: verdict.reached,
    firstGtid: s.firstGtid,
    lastGtid: s.lastGtid,
    transactions: s.transactions,
    firstEventTime: s.firstEventTime,
    lastEventTime: s.lastEventTime,
    firstCommitTime: s.firstCommitTime,
    lastCommitTime: s.lastCommitTime,
    sizeBytes: inspected.sizeBytes,
    sha256: inspected.sha256,
    objectKey: uploaded?.objectKey ?? null,
    storedBytes: uploaded?.storedBytes ?? null,
    storedSha256: uploaded?.storedSha256 ?? null,
    indexKey: uploaded?.indexKey ?? null,
  };
}

export function createCentralArchiveActivities(catalog: Catalog, services: ArtifactServices): CentralArchiveActivities {
  // Each refusal raises its alert and returns its error, for the caller to throw once its catalog
  // transaction has committed what it recorded.
  const rewritten = async (ref: ArchiveRef, server: BinlogServer, file: string, what: string): Promise<PitrError> => {
    const message = `binlog ${file} of server ${server.key} is archived already, but the server now holds other bytes under that name (${what})`;
    await raiseAlert(catalog, { ...ref, kind: 'binlog-rewritten', subject: `${server.key}/${file}`, message });
    return new BinlogRewrittenError(message);
  };

  /** A server whose history went back behind its archived segments (a reset): refused, with the alert. */
  const wentBack = async (ref: ArchiveRef, server: BinlogServer, file: string, lost: string): Promise<PitrError> => {
    const message = `server ${server.key} went back behind what the archive holds of it: ${lost}`;
    await raiseAlert(catalog, { ...ref, kind: 'binlog-rewritten', subject: `${server.key}/${file}`, message });
    return new BinlogsResetError(message);
  };

  /** Raises the alert before the gap is recorded: a pass that dies between the two finds the gap again. */
  const recordGap = async (
    db: PoolClient,
    ref: ArchiveRef,
    server: BinlogServer,
    file: string,
    gap: { flavor: 'mysql' | 'mariadb'; missing: string; reached: string; head: Extract<Decision, { kind: 'placed' }>['head'] },
  ): Promise<PitrError> => {
    const reachedBefore = gap.head?.reached ?? '';
    const lastOfServer = (await lastSegmentOf(db, ref.clusterId, server.key))?.file;
    const purged = lastOfServer === undefined ? undefined : filesBetween(lastOfServer, file);
    const where = purged
      ? `${purged.first === purged.last ? purged.first : `${purged.first} … ${purged.last}`} of server ${server.key} (purged before archiving)`
      : `binlogs of server ${server.key} before ${file}`;
    const message = `archive gap: ${where} held ${missingText(gap.flavor, gap.missing, reachedBefore)}, which no archived segment holds; found at ${file}, whose previous GTIDs are past the archive's end`;
    await raiseAlert(catalog, { ...ref, kind: 'archive-gap', subject: `gap:${server.key}/${file}`, message });
    await insertGap(db, ref.tenantId, ref.clusterId, {
      serverKey: server.key,
      afterFile: gap.head?.lastFile ?? null,
      beforeFile: file,
      missingFromFile: purged?.first ?? null,
      missingToFile: purged?.last ?? null,
      reachedBefore,
      missingGtids: gap.missing,
      reachedGtids: gap.reached,
    });
    return new BinlogGapError(message);
  };

  const refuseDiverged = async (ref: ArchiveRef, server: BinlogServer, file: string, lacking: string): Promise<PitrError> => {
    const message = `server ${server.key} cannot continue the archive of ${ref.clusterId}: its history (through ${file}) lacks archived transactions ${lacking}`;
    await raiseAlert(catalog, { ...ref, kind: 'archive-gap', subject: divergedSubject(server.key), message });
    return new BinlogHistoryDivergedError(message);
  };

  /**
   * An idle server leaves no closed file to reveal binlogs purged before they were archived, or
   * a reset: the active binlog's name and previous GTIDs must go on from what is archived of the
   * server, and everything logged before it must be archived.
   */
  const checkActive = async (ref: ArchiveRef, server: BinlogServer, active: ActiveBinlog): Promise<void> => {
    const { flavor } = await getCluster(catalog, ref.tenantId, ref.clusterId);
    const gap = await catalog.withTenant(ref.tenantId, async (db): Promise<PitrError | undefined> => {
      await lockArchive(db, ref.clusterId);
      const last = await lastSegmentOf(db, ref.clusterId, server.key);
      const lost = last && activeWentBack(flavor, last, active);
      if (lost) return wentBack(ref, server, active.file, lost);
      const head = await streamHead(db, ref.clusterId);
      // An empty archive starts at the first file it takes, whatever was purged before.
      if (head === undefined) return undefined;
      const verdict = checkContinuity(flavor, head.reached, { previousGtids: active.previousGtids, gtids: '' });
      if (verdict.continuity.kind !== 'gap') return undefined;
      return recordGap(db, ref, server, active.file, { flavor, missing: verdict.continuity.missing, reached: verdict.reached, head });
    });
    if (gap) throw gap;
  };

  /** The agent's upload is in object storage as it said: storage that lost or replaced it fails the registration. */
  const checkStored = async (uploaded: UploadedSegment): Promise<void> => {
    for (const [key, bytes] of [
      [uploaded.objectKey, uploaded.storedBytes],
      [uploaded.indexKey, uploaded.indexStoredBytes],
    ] as const) {
      const stored = await services.store.head(key);
      if (stored?.size !== bytes) {
        throw new SegmentObjectMissingError(
          `s3://${services.store.bucket}/${key} holds ${stored ? `${stored.size} bytes` : 'nothing'}, the agent uploaded ${bytes}`,
          {
            hint: 'object storage lost or replaced the upload; the next archive pass (or the stream, for a piece) uploads these bytes again',
            terminal: true,
          },
        );
      }
    }
  };

  return {
    newestArchivedFile: ({ tenantId, clusterId }) => newestSegmentFile(catalog, tenantId, clusterId),

    newestSegmentEnd: ({ tenantId, clusterId }) => newestSegmentEnd(catalog, tenantId, clusterId),

    async alertStreamStopped({ tenantId, clusterId, reason }) {
      await raiseAlert(catalog, {
        tenantId,
        clusterId,
        kind: 'stream-stopped',
        subject: 'binlog-stream',
        message: `the binlog stream stopped: ${reason}`,
      });
    },

    async registerStreamPiece({ tenantId, clusterId, piece }) {
      const { server, inspected, uploaded } = piece;
      await checkStored(uploaded);
      const ref = { tenantId, clusterId };
      const extent = { startOffset: piece.startOffset, closesFile: piece.closesFile };
      const { flavor } = await getCluster(catalog, tenantId, clusterId);
      type Placed = { inserted: boolean; redundant: boolean; repeats?: boolean; gap: string | null };
      const outcome = await catalog.withTenant(tenantId, async (db): Promise<Placed | PitrError> => {
        let decision = await decide(db, ref, server, inspected, flavor, piece.startOffset);
        if (decision.kind === 'known') return { inserted: false, redundant: false, gap: null };
        if (decision.kind === 'rewritten') {
          return rewritten(
            ref,
            server,
            `${inspected.file} (from offset ${piece.startOffset})`,
            `SHA-256 ${inspected.sha256}, archived as ${decision.archivedSha256}`,
          );
        }
        if (decision.kind === 'went-back') return wentBack(ref, server, inspected.file, decision.lost);
        let gap: string | null = null;
        if (decision.verdict.continuity.kind === 'gap') {
          // What the server purged before the stream received it is recorded, and the stream goes on after it.
          const recorded = await recordGap(db, ref, server, inspected.file, {
            flavor,
            missing: decision.verdict.continuity.missing,
            reached: decision.verdict.reached,
            head: decision.head,
          });
          gap = recorded.message;
          decision = await decide(db, ref, server, inspected, flavor, piece.startOffset);
          if (decision.kind !== 'placed') return { inserted: false, redundant: false, gap };
        }
        const { continuity } = decision.verdict;
        if (continuity.kind === 'diverged') return refuseDiverged(ref, server, inspected.file, continuity.lacking);
        if (continuity.kind === 'gap')
          throw new Error(`a piece of ${inspected.file} still leaves a gap once the gap before it is recorded`);
        // A promoted replica's file begins with what the archive holds already. A piece of it that
        // repeats only that is archived as an overlap, unless it closes its file: the file's later
        // pieces, the replica's own transactions, are replayed from the file's start.
        const repeats = continuity.kind === 'redundant' && !piece.closesFile;
        const verdict = repeats
          ? { ...decision.verdict, continuity: { kind: 'overlaps' as const, overlap: inspected.gtids } }
          : decision.verdict;
        const redundant = verdict.continuity.kind === 'redundant';
        await insertSegment(db, tenantId, clusterId, segmentRow(server, inspected, verdict, redundant ? undefined : uploaded, extent));
        return { inserted: true, redundant, repeats, gap };
      });
      if (outcome instanceof PitrError) throw outcome;
      const firstCommit = inspected.summary.firstCommitTime;
      if (outcome.inserted && !outcome.redundant && !outcome.repeats && firstCommit !== null) {
        noteStreamPiece(tenantId, clusterId, Math.max(0, Date.now() * 1000 - firstCommit.micros) / 1_000_000);
      }
      if (outcome.redundant) {
        // Every transaction in it is archived already (from another server): its objects hold nothing a restore needs.
        await services.store.delete(uploaded.objectKey);
        await services.store.delete(uploaded.indexKey);
      }
      return { inserted: outcome.inserted, gap: outcome.gap };
    },

    async planArchive({ tenantId, clusterId, server, closed, active }) {
      const known = await catalogedFiles(
        catalog,
        tenantId,
        clusterId,
        server.key,
        closed.map((f) => f.name),
      );
      for (const file of closed) {
        const archived = known.get(file.name);
        if (archived && archived.sizeBytes !== file.sizeBytes) {
          throw await rewritten({ tenantId, clusterId }, server, file.name, `${file.sizeBytes} bytes, archived with ${archived.sizeBytes}`);
        }
        // The same size is no proof: after RESET BINARY LOGS AND GTIDS the same writes make a file as long.
        const archivedCreated = archived?.firstEventAt ? Math.floor(microsOf(archived.firstEventAt) / 1_000_000) : undefined;
        if (archivedCreated !== undefined && file.createdSeconds !== undefined && file.createdSeconds !== archivedCreated) {
          const when = (seconds: number) => new Date(seconds * 1000).toISOString();
          throw await rewritten(
            { tenantId, clusterId },
            server,
            file.name,
            `created at ${when(file.createdSeconds)}, archived as created at ${when(archivedCreated)}`,
          );
        }
      }
      const pending = inBinlogOrder(closed.filter((f) => !known.has(f.name))).map((f) => f.name);
      // A pending file is checked on its own, and the first one after a purge reveals it.
      if (pending.length === 0 && active) await checkActive({ tenantId, clusterId }, server, active);
      return { pending };
    },

    async checkSegment({ tenantId, clusterId, server, inspected }) {
      const ref = { tenantId, clusterId };
      const { flavor } = await getCluster(catalog, tenantId, clusterId);
      const outcome = await catalog.withTenant(tenantId, async (db): Promise<SegmentCheck | PitrError> => {
        const decision = await decide(db, ref, server, inspected, flavor);
        if (decision.kind === 'known') return { action: 'skip', reason: 'archived already, with the same SHA-256' };
        if (decision.kind === 'rewritten')
          return rewritten(ref, server, inspected.file, `SHA-256 ${inspected.sha256}, archived as ${decision.archivedSha256}`);
        if (decision.kind === 'went-back') return wentBack(ref, server, inspected.file, decision.lost);
        const { continuity } = decision.verdict;
        switch (continuity.kind) {
          case 'gap':
            return recordGap(db, ref, server, inspected.file, {
              flavor,
              missing: continuity.missing,
              reached: decision.verdict.reached,
              head: decision.head,
            });
          case 'diverged':
            return refuseDiverged(ref, server, inspected.file, continuity.lacking);
          case 'redundant':
            await insertSegment(db, tenantId, clusterId, segmentRow(server, inspected, decision.verdict, undefined));
            return { action: 'skip', reason: 'every transaction in it is archived already (from another server)' };
          default:
            return { action: 'upload' };
        }
      });
      if (outcome instanceof PitrError) throw outcome;
      return outcome;
    },

    async registerSegment({ tenantId, clusterId, server, inspected, uploaded }) {
      if (uploaded.readSha256 !== undefined && uploaded.readSha256 !== inspected.sha256) {
        const message = `binlog ${inspected.file} of server ${server.key} changed while being archived: the upload read SHA-256 ${uploaded.readSha256}, the inspection moments before ${inspected.sha256}`;
        await raiseAlert(catalog, { tenantId, clusterId, kind: 'binlog-rewritten', subject: `${server.key}/${inspected.file}`, message });
        throw new BinlogRewrittenError(message);
      }
      await checkStored(uploaded);
      const ref = { tenantId, clusterId };
      const { flavor } = await getCluster(catalog, tenantId, clusterId);
      return catalog.withTenant(tenantId, async (db) => {
        const decision = await decide(db, ref, server, inspected, flavor);
        if (decision.kind === 'known') return { inserted: false };
        if (decision.kind === 'rewritten')
          throw await rewritten(ref, server, inspected.file, `SHA-256 ${inspected.sha256}, archived as ${decision.archivedSha256}`);
        if (decision.kind === 'went-back') throw await wentBack(ref, server, inspected.file, decision.lost);
        const { kind } = decision.verdict.continuity;
        if (kind !== 'starts' && kind !== 'continues' && kind !== 'overlaps') {
          throw new ArchiveMovedError(
            `the archive of ${clusterId} moved while ${inspected.file} was uploaded: it now ${kind === 'gap' ? 'leaves a gap before' : kind === 'diverged' ? 'diverges from' : 'already holds'} it`,
            {
              hint: 'another archive pass ran at the same time; the next pass checks this file again',
              terminal: true,
            },
          );
        }
        await insertSegment(db, tenantId, clusterId, segmentRow(server, inspected, decision.verdict, uploaded));
        return { inserted: true };
      });
    },
  };
}
