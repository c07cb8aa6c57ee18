import { PitrError } from '../../domain/errors';

/** Which verification failed; docs/artifact-format.md describes each. */
export type IntegrityCheck =
  | 'magic'
  | 'version'
  | 'header'
  | 'frame'
  | 'chunk-origin'
  | 'chunk-order'
  | 'chunk-authentication'
  | 'final-chunk'
  | 'trailing-bytes'
  | 'compressed-stream'
  | 'stored-size'
  | 'stored-sha256'
  | 'expected-artifact';

export interface IntegrityFailure {
  /** The artifact's location, e.g. s3://bucket/key. */
  artifact: string;
  check: IntegrityCheck;
  /** The chunk that failed, when the failure is in a chunk. */
  chunkIndex: number | undefined;
  /** Byte offset in the stored object where the failing structure starts. */
  offset: number;
}

/** The stored artifact is not what was written. Terminal: the bytes will not change by themselves. */
export abstract class ArtifactIntegrityError extends PitrError {
  constructor(
    readonly failure: IntegrityFailure,
    detail: string,
    hint: string,
  ) {
    const where =
      failure.chunkIndex === undefined ? `at byte ${failure.offset}` : `in chunk ${failure.chunkIndex} at byte ${failure.offset}`;
    super(`${failure.artifact}: ${detail} (${failure.check} check failed ${where})`, { hint, terminal: true });
  }
}

/** Bytes were altered: a flipped bit in the header or a chunk, an impossible length, bytes after the end. */
export class ArtifactCorruptError extends ArtifactIntegrityError {
  constructor(failure: IntegrityFailure, detail: string) {
    super(
      failure,
      detail,
      "the stored bytes were altered: re-create the artifact from its source (re-run the backup, re-upload the binlog) and check the storage's health; `pitr artifact verify --quarantine` moves it aside",
    );
  }
}

/** The object ends early: inside the header or a chunk, or before the chunk marked final. */
export class ArtifactTruncatedError extends ArtifactIntegrityError {
  constructor(failure: IntegrityFailure, detail: string) {
    super(failure, detail, 'the object is incomplete (an interrupted copy or a cut object): re-upload it from its source');
  }
}

/** The object is not a pitr artifact, or not the artifact that was expected at this key. */
export class ArtifactForeignHeaderError extends ArtifactIntegrityError {
  constructor(failure: IntegrityFailure, detail: string) {
    super(failure, detail, 'check the object key: it names something other than the expected pitr artifact');
  }
}

/** A chunk from another artifact, or from another position, was spliced in. */
export class ArtifactMisplacedChunkError extends ArtifactIntegrityError {
  constructor(failure: IntegrityFailure, detail: string) {
    super(
      failure,
      detail,
      'chunks were reordered, dropped or copied in from another artifact: the object was tampered with or mis-assembled; re-create it from its source',
    );
  }
}

/** Written by a format version this build does not read. */
export class UnsupportedArtifactVersionError extends ArtifactIntegrityError {
  constructor(failure: IntegrityFailure, version: number, supported: number) {
    super(
      failure,
      `format version ${version} is not supported (this build reads version ${supported})`,
      'read it with the pitr release that wrote it, or a newer one',
    );
  }
}

/** The file an artifact is unpacked into cannot be created or written (a full disk, a missing folder, no permission). */
export class ArtifactDestinationError extends PitrError {
  constructor(
    file: string,
    reason: string,
    /** The system's error code, e.g. ENOSPC. */
    readonly code: string | undefined,
  ) {
    super(`writing ${file}: ${reason}`, {
      hint: 'the artifact is intact: free space on that filesystem, create the folder or give this user write access to it, or unpack elsewhere',
    });
  }
}
