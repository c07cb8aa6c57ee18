import { tenantClusterName } from '../backup';
import { parseBinlogName } from './binlog-names';
import type { ServerBinlog } from './types';

/**
 * Where an archive reads a server's binlogs: `files`, the server's binlog folder on the
 * database host; `stream`, a local mirror the agent receives over the replication protocol
 * (`mysqlbinlog --read-from-remote-server --raw --stop-never`), for a server whose folder it
 * cannot read.
 */
export const ARCHIVE_SOURCES = ['files', 'stream'] as const;
export type ArchiveSource = (typeof ARCHIVE_SOURCES)[number];

/** Bytes of each binlog the mirror holds, by file name. */
export type MirroredSizes = ReadonlyMap<string, number>;

const sequenceOf = (name: string): number => parseBinlogName(name).sequence;

/** The server's binlogs after the newest archived one (all of them when none is archived, or it is gone): what the stream must hold. */
function toReceive(files: readonly ServerBinlog[], newestArchived: string | undefined): ServerBinlog[] {
  if (newestArchived === undefined || !files.some((f) => f.name === newestArchived)) return [...files];
  const newest = sequenceOf(newestArchived);
  return files.filter((f) => sequenceOf(f.name) > newest);
}

const complete = (file: ServerBinlog, mirrored: MirroredSizes): boolean => mirrored.get(file.name) === file.sizeBytes;

/**
 * The file a (re)started stream asks the server for: the first one to receive that the mirror
 * does not hold whole (the active binlog never is: it grows). A closed file the mirror holds
 * whole is never asked for again, so it is never truncated under an archive pass reading it.
 * `files` is the server's list in binlog order, the active one last.
 */
export function streamStartFile(files: readonly ServerBinlog[], mirrored: MirroredSizes, newestArchived: string | undefined): string {
  const pending = toReceive(files, newestArchived);
  const active = files[files.length - 1];
  const first = pending.find((f) => f !== active && !complete(f, mirrored));
  return (first ?? active ?? pending[0])!.name;
}

/**
 * The closed binlogs an archive pass may take from the mirror: those it holds whole, in order,
 * up to the first it does not (still being received, or never received: archiving a later file
 * first would leave the stream out of order). Files older than anything the mirror holds are
 * archived already or were never streamed; they are left out. `heldBack` names the files not
 * yet archived that the pass may not take, in order.
 */
export function closedInMirror(
  closed: readonly ServerBinlog[],
  mirrored: MirroredSizes,
  newestArchived: string | undefined,
): { ready: ServerBinlog[]; heldBack: string[] } {
  const ready: ServerBinlog[] = [];
  const firstHeld = closed.findIndex((f) => mirrored.has(f.name));
  for (const file of firstHeld < 0 ? [] : closed.slice(firstHeld)) {
    if (!complete(file, mirrored)) break;
    ready.push(file);
  }
  const taken = new Set(ready.map((f) => f.name));
  return { ready, heldBack: toReceive(closed, newestArchived).flatMap((f) => (taken.has(f.name) ? [] : [f.name])) };
}

/** Where the server's binlogs are ahead of the mirror: what the stream has yet to receive. */
export interface StreamShortfall {
  bytes: number;
  /** The server's newest binlog and its size. */
  serverFile: string;
  serverBytes: number;
}

/**
 * The bytes the server has written, from the file the stream started at on, that the mirror
 * does not hold: zero once the stream has caught up. `files` is the server's list.
 */
export function streamShortfall(files: readonly ServerBinlog[], mirrored: MirroredSizes, startFile: string): StreamShortfall {
  const start = sequenceOf(startFile);
  let bytes = 0;
  for (const file of files) {
    if (sequenceOf(file.name) >= start) bytes += Math.max(0, file.sizeBytes - (mirrored.get(file.name) ?? 0));
  }
  const newest = files[files.length - 1];
  return { bytes, serverFile: newest?.name ?? startFile, serverBytes: newest?.sizeBytes ?? 0 };
}

/**
 * Whether a server's binlog names went back behind the archive: it lists no file numbered at or
 * after `newestArchived`, the newest file the archive holds of it. Purging removes only a
 * server's oldest files, so only a reset (RESET BINARY LOGS AND GTIDS, RESET MASTER) or a
 * replaced datadir does that. `files` is the server's list; false when the archive holds none
 * of its files.
 */
export function namesWentBack(files: readonly ServerBinlog[], newestArchived: string | undefined): boolean {
  if (newestArchived === undefined) return false;
  const newest = sequenceOf(newestArchived);
  return !files.some((f) => sequenceOf(f.name) >= newest);
}

/** The mirror's copies a stream may delete: those of files the archive holds (at or before the newest archived one). */
export function archivedMirrorFiles(mirrored: MirroredSizes, newestArchived: string | undefined): string[] {
  if (newestArchived === undefined) return [];
  const newest = sequenceOf(newestArchived);
  return [...mirrored.keys()].filter((name) => sequenceOf(name) <= newest);
}

/**
 * The server id the stream connects with, as a replica does: the configured one, else one
 * derived from the cluster, in the top sixteenth of the id space (4026531840 and up) where
 * operators rarely number servers. A server drops an older connection that shows the same id,
 * so two clusters' streams from one server, or a replica numbered there, would collide: set
 * `database.streamServerId` then.
 */
export function streamServerId(configured: number | undefined, tenantId: string, clusterId: string): number {
  if (configured !== undefined) return configured;
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(`${tenantId}/${clusterId}`, 'utf8')) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return 0xf000_0000 + (hash % 0x0fff_ffff);
}

/** Why a stream is refused for a cluster whose archive reads the server's folder, and what to do: said by the CLI and the workflow alike. */
export function notStreamedRefusal(clusterId: string): { message: string; hint: string } {
  return {
    message: `cluster ${clusterId} archives binlogs from the server's folder, not from a stream`,
    hint: `register it with \`pitr cluster add … --archive stream\`, and set database.archiveSource "stream" in its agent's configuration`,
  };
}

/** The longest a failed stream attempt waits for its retry. */
export const STREAM_RETRY_MAX_SECONDS = 30;

/** One stream per cluster: starting it again finds the running one. */
export function binlogStreamWorkflowId(tenantId: string, clusterId: string): string {
  return tenantClusterName('binlog-stream', tenantId, clusterId);
}
