import { createHash, timingSafeEqual } from 'node:crypto';
import type { DataKeySource } from '../keys/tenant-keys';
import { WrongKeyError } from '../keys/errors';
import { ByteQueue } from './byte-queue';
import { contentKey, keyCheckValue, openChunk } from './chunk-cipher';
import {
  ArtifactCorruptError,
  ArtifactForeignHeaderError,
  ArtifactMisplacedChunkError,
  ArtifactTruncatedError,
  type IntegrityCheck,
  type IntegrityFailure,
} from './errors';
import {
  checkMagic,
  decodeFrameHeader,
  decodeHeader,
  type EncodedHeader,
  FRAME_HEADER_BYTES,
  HEADER_PREAMBLE_BYTES,
  headerLength,
  noncePrefixOf,
  TAG_BYTES,
} from './format';

/** What the caller knows the artifact must be; a mismatch is an `ArtifactForeignHeaderError`. */
export interface ExpectedArtifact {
  tenant?: string;
  artifactId?: Buffer;
}

/**
 * Reads stored artifact bytes in order and verifies them as it goes: header, key, then each
 * chunk (origin, position, length, authentication), the final flag, and nothing after it.
 * It hashes every byte it consumes, so after the last chunk `sha256()` is the stored object's.
 */
export class ArtifactReader {
  private readonly iterator: AsyncIterator<Buffer>;
  private readonly queue = new ByteQueue();
  private readonly hash = createHash('sha256');
  private ended = false;
  private offset = 0;
  private encoded: EncodedHeader | undefined;
  private key: Buffer | undefined;
  private nextIndex = 0;
  private finished = false;

  constructor(
    source: AsyncIterable<Buffer>,
    readonly artifact: string,
  ) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  /** Stored bytes consumed so far. */
  get storedBytes(): number {
    return this.offset;
  }

  get chunks(): number {
    return this.nextIndex;
  }

  sha256(): string {
    return this.hash.copy().digest('hex');
  }

  /** Reads and checks the header, then finds the tenant's data key and checks it is the one used. */
  async open(keys: DataKeySource, expected: ExpectedArtifact = {}): Promise<EncodedHeader> {
    const encoded = await this.readHeader();
    const { header } = encoded;
    const foreign = (detail: string): ArtifactForeignHeaderError =>
      new ArtifactForeignHeaderError(this.failure('expected-artifact', undefined, 0), detail);
    if (expected.tenant !== undefined && expected.tenant !== header.tenant) {
      throw foreign(`the artifact belongs to tenant ${header.tenant}, not ${expected.tenant}`);
    }
    if (expected.artifactId !== undefined && !expected.artifactId.equals(header.artifactId)) {
      throw foreign(
        `the artifact is ${header.artifactId.toString('hex')}, not ${expected.artifactId.toString('hex')}: another writer replaced it`,
      );
    }
    const dataKey = await keys.keyForReading(header.tenant, header.dataKeyId);
    if (!timingSafeEqual(keyCheckValue(dataKey.material), header.keyCheck)) {
      throw new WrongKeyError(
        `${this.artifact}: data key ${header.dataKeyId} of tenant ${header.tenant} as found in the key store is not the key this artifact was sealed with (key check value differs)`,
      );
    }
    this.key = contentKey(dataKey.material, header.artifactId);
    return encoded;
  }

  /**
   * The next chunk's compressed payload, or undefined once the final chunk was read and
   * verified. Given a `target` (at least the chunk size), the payload is decrypted into it
   * and the result is a view of it; on a failure the target holds unauthenticated bytes.
   */
  async nextChunk(target?: Buffer): Promise<Buffer | undefined> {
    const { encoded, key } = this;
    if (!encoded || !key) throw new Error('ArtifactReader.open() must be called before reading chunks');
    if (this.finished) return undefined;
    const index = this.nextIndex;
    const start = this.offset;
    const at = (check: IntegrityCheck): IntegrityFailure => this.failure(check, index, start);
    const frameBytes = await this.read(FRAME_HEADER_BYTES);
    if (frameBytes.length === 0) {
      throw new ArtifactTruncatedError(
        at('final-chunk'),
        `the object ends after chunk ${index - 1}, which is not marked final: chunks are missing at the end`,
      );
    }
    if (frameBytes.length < FRAME_HEADER_BYTES)
      throw new ArtifactTruncatedError(at('frame'), "the object ends inside a chunk's frame header");
    const frame = decodeFrameHeader(frameBytes);
    const prefix = noncePrefixOf(encoded.header.artifactId);
    if (!frame.noncePrefix.equals(prefix)) {
      throw new ArtifactMisplacedChunkError(
        at('chunk-origin'),
        `this chunk belongs to another artifact (nonce prefix ${frame.noncePrefix.toString('hex')}, expected ${prefix.toString('hex')})`,
      );
    }
    if (frame.index !== index) {
      throw new ArtifactMisplacedChunkError(
        at('chunk-order'),
        `the chunk at position ${index} carries index ${frame.index}: chunks were reordered, dropped or repeated`,
      );
    }
    const { chunkSize } = encoded.header;
    if (frame.length > chunkSize || (!frame.final && frame.length !== chunkSize)) {
      throw new ArtifactCorruptError(
        at('frame'),
        `a ${frame.final ? 'final' : 'non-final'} chunk of ${frame.length} bytes is impossible with chunk size ${chunkSize}`,
      );
    }
    await this.fill(frame.length + TAG_BYTES);
    const missing = frame.length + TAG_BYTES - this.queue.bytes;
    if (missing > 0) throw new ArtifactTruncatedError(at('frame'), `the object ends ${missing} bytes before the end of this chunk`);
    const ciphertext = this.takePieces(frame.length);
    const tag = this.take(TAG_BYTES);
    if (target && target.length < frame.length)
      throw new RangeError(`a ${target.length}-byte target cannot hold a chunk of ${frame.length}`);
    const plaintext = (target ?? Buffer.allocUnsafe(frame.length)).subarray(0, frame.length);
    if (!openChunk(key, encoded.digest, frameBytes, ciphertext, tag, plaintext)) {
      throw new ArtifactCorruptError(
        at('chunk-authentication'),
        'the chunk does not authenticate: its bytes, its frame or the header were altered',
      );
    }
    this.nextIndex++;
    if (frame.final) {
      const trailing = await this.read(1);
      if (trailing.length > 0) {
        throw new ArtifactCorruptError(this.failure('trailing-bytes', undefined, this.offset - 1), 'bytes follow the chunk marked final');
      }
      this.finished = true;
    }
    return plaintext;
  }

  /** Stops reading the source early (after a header read-back, or on failure). */
  async close(): Promise<void> {
    await this.iterator.return?.();
  }

  private async readHeader(): Promise<EncodedHeader> {
    const preamble = await this.read(HEADER_PREAMBLE_BYTES);
    if (preamble.length < HEADER_PREAMBLE_BYTES) {
      checkMagic(preamble, this.artifact);
      throw new ArtifactTruncatedError(
        this.failure('header', undefined, 0),
        preamble.length === 0 ? 'the object is empty' : 'the object ends inside the header',
      );
    }
    const length = headerLength(preamble, this.artifact);
    const rest = await this.read(length - HEADER_PREAMBLE_BYTES);
    if (rest.length < length - HEADER_PREAMBLE_BYTES)
      throw new ArtifactTruncatedError(this.failure('header', undefined, 0), 'the object ends inside the header');
    this.encoded = decodeHeader(Buffer.concat([preamble, rest]), this.artifact);
    return this.encoded;
  }

  private failure(check: IntegrityCheck, chunkIndex: number | undefined, offset: number): IntegrityFailure {
    return { artifact: this.artifact, check, chunkIndex, offset };
  }

  /** Exactly `size` bytes, or fewer when the source ends first. */
  private async read(size: number): Promise<Buffer> {
    await this.fill(size);
    return this.take(size);
  }

  /** Receives (and hashes) until `size` bytes are queued or the source ends. */
  private async fill(size: number): Promise<void> {
    while (this.queue.bytes < size && !this.ended) {
      const next = await this.iterator.next();
      if (next.done) this.ended = true;
      else {
        this.hash.update(next.value);
        this.queue.push(next.value);
      }
    }
  }

  private take(size: number): Buffer {
    const bytes = this.queue.take(size);
    this.offset += bytes.length;
    return bytes;
  }

  /** Like `take`, as the received buffers' own slices: no copy. */
  private takePieces(size: number): Buffer[] {
    const pieces = this.queue.takePieces(size);
    for (const piece of pieces) this.offset += piece.length;
    return pieces;
  }
}
