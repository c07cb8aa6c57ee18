import { createHash } from 'node:crypto';
import { InvalidInputError } from '../../domain/errors';
import { ArtifactCorruptError, ArtifactForeignHeaderError, UnsupportedArtifactVersionError } from './errors';

/** PNG-style: a high byte catches 7-bit transfers, CR LF catches newline conversion. */
export const MAGIC = Buffer.from([0x89, 0x50, 0x49, 0x54, 0x52, 0x0d, 0x0a, 0x1a]);
export const FORMAT_VERSION = 1;
const CIPHER_AES_256_GCM_HKDF = 1;
const COMPRESSION_ZSTD = 1;

/** magic, version (u16), header length (u16): enough to know how much header follows. */
export const HEADER_PREAMBLE_BYTES = 12;
export const ARTIFACT_ID_BYTES = 16;
export const KEY_CHECK_BYTES = 16;
const DIGEST_BYTES = 32;
const NONCE_PREFIX_BYTES = 8;
export const FRAME_HEADER_BYTES = 16;
export const TAG_BYTES = 16;
const MAX_LABEL_BYTES = 255;

const MIN_CHUNK_SIZE = 1024;
const MAX_CHUNK_SIZE = 64 * 1024 * 1024;
export const DEFAULT_CHUNK_SIZE = 1024 * 1024;
const FINAL_FLAG = 0x8000_0000;

export interface ArtifactHeader {
  /** Size of every chunk's compressed payload, except the final chunk's which may be smaller. */
  chunkSize: number;
  compressionLevel: number;
  /** Random per artifact: salt of the artifact's content key; its first 8 bytes are the nonce prefix. */
  artifactId: Buffer;
  /** Commits to the tenant data key, so a wrong key is told apart from corruption. */
  keyCheck: Buffer;
  tenant: string;
  dataKeyId: string;
}

export interface EncodedHeader {
  header: ArtifactHeader;
  bytes: Buffer;
  /** SHA-256 of the header before the digest: bound into every chunk's authentication. */
  digest: Buffer;
}

export interface FrameHeader {
  noncePrefix: Buffer;
  index: number;
  final: boolean;
  /** Bytes of ciphertext that follow (the tag comes after them). */
  length: number;
}

export function noncePrefixOf(artifactId: Buffer): Buffer {
  return artifactId.subarray(0, NONCE_PREFIX_BYTES);
}

export function checkChunkSize(chunkSize: number): number {
  if (!Number.isInteger(chunkSize) || chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) {
    throw new InvalidInputError(`chunk size ${chunkSize} is outside ${MIN_CHUNK_SIZE}..${MAX_CHUNK_SIZE} bytes`, {
      hint: `use the default (${DEFAULT_CHUNK_SIZE} bytes) unless there is a reason not to`,
    });
  }
  return chunkSize;
}

function label(text: string, what: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length === 0 || bytes.length > MAX_LABEL_BYTES) {
    throw new InvalidInputError(`${what} "${text}" must be 1 to ${MAX_LABEL_BYTES} bytes long`, { hint: `shorten the ${what}` });
  }
  return Buffer.concat([Buffer.from([bytes.length]), bytes]);
}

export function encodeHeader(header: ArtifactHeader): EncodedHeader {
  checkChunkSize(header.chunkSize);
  const fixed = Buffer.alloc(HEADER_PREAMBLE_BYTES + 8 + ARTIFACT_ID_BYTES + KEY_CHECK_BYTES);
  MAGIC.copy(fixed, 0);
  fixed.writeUInt16BE(FORMAT_VERSION, 8);
  fixed.writeUInt8(CIPHER_AES_256_GCM_HKDF, 12);
  fixed.writeUInt8(COMPRESSION_ZSTD, 13);
  fixed.writeInt8(header.compressionLevel, 14);
  fixed.writeUInt8(0, 15);
  fixed.writeUInt32BE(header.chunkSize, 16);
  header.artifactId.copy(fixed, 20);
  header.keyCheck.copy(fixed, 20 + ARTIFACT_ID_BYTES);
  const body = Buffer.concat([fixed, label(header.tenant, 'tenant id'), label(header.dataKeyId, 'data key id')]);
  body.writeUInt16BE(body.length + DIGEST_BYTES, 10);
  const digest = createHash('sha256').update(body).digest();
  return { header, bytes: Buffer.concat([body, digest]), digest };
}

/** Checks that the bytes seen so far (possibly fewer than the magic) start like an artifact. */
export function checkMagic(start: Buffer, artifact: string): void {
  const seen = start.subarray(0, MAGIC.length);
  if (!MAGIC.subarray(0, seen.length).equals(seen)) {
    throw new ArtifactForeignHeaderError(
      { artifact, check: 'magic', chunkIndex: undefined, offset: 0 },
      `not a pitr artifact: it starts with ${seen.toString('hex')}, not ${MAGIC.toString('hex')}`,
    );
  }
}

/**
 * Checks the preamble and returns the full header length. `artifact` names the object in errors.
 */
export function headerLength(preamble: Buffer, artifact: string): number {
  const at = { artifact, chunkIndex: undefined, offset: 0 };
  checkMagic(preamble, artifact);
  const version = preamble.readUInt16BE(8);
  if (version !== FORMAT_VERSION) throw new UnsupportedArtifactVersionError({ ...at, check: 'version' }, version, FORMAT_VERSION);
  const length = preamble.readUInt16BE(10);
  const minimum = HEADER_PREAMBLE_BYTES + 8 + ARTIFACT_ID_BYTES + KEY_CHECK_BYTES + 4 + DIGEST_BYTES;
  if (length < minimum)
    throw new ArtifactCorruptError(
      { ...at, check: 'header' },
      `the header claims ${length} bytes, fewer than the ${minimum} any header has`,
    );
  return length;
}

/** Parses a complete header, verifying its digest first. */
export function decodeHeader(bytes: Buffer, artifact: string): EncodedHeader {
  const corrupt = (detail: string): ArtifactCorruptError =>
    new ArtifactCorruptError({ artifact, check: 'header', chunkIndex: undefined, offset: 0 }, detail);
  const body = bytes.subarray(0, bytes.length - DIGEST_BYTES);
  const digest = bytes.subarray(bytes.length - DIGEST_BYTES);
  if (!createHash('sha256').update(body).digest().equals(digest)) throw corrupt('the header does not match its SHA-256 digest');
  const cipher = body.readUInt8(12);
  const compression = body.readUInt8(13);
  if (cipher !== CIPHER_AES_256_GCM_HKDF || compression !== COMPRESSION_ZSTD) {
    throw corrupt(`unknown cipher ${cipher} or compression ${compression}`);
  }
  const compressionLevel = body.readInt8(14);
  const chunkSize = body.readUInt32BE(16);
  if (chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) throw corrupt(`chunk size ${chunkSize} is out of range`);
  let at = 20;
  const artifactId = Buffer.from(body.subarray(at, (at += ARTIFACT_ID_BYTES)));
  const keyCheck = Buffer.from(body.subarray(at, (at += KEY_CHECK_BYTES)));
  const readLabel = (what: string): string => {
    const length = at < body.length ? body.readUInt8(at) : 0;
    if (length === 0 || at + 1 + length > body.length) throw corrupt(`the ${what} field is malformed`);
    const text = body.subarray(at + 1, at + 1 + length).toString('utf8');
    at += 1 + length;
    return text;
  };
  const tenant = readLabel('tenant id');
  const dataKeyId = readLabel('data key id');
  if (at !== body.length) throw corrupt(`${body.length - at} unexpected bytes at the end of the header`);
  return { header: { chunkSize, compressionLevel, artifactId, keyCheck, tenant, dataKeyId }, bytes, digest: Buffer.from(digest) };
}

/** nonce prefix (8) | index (u32) | final flag (bit 31) and length (u32). Its first 12 bytes are the GCM nonce. */
export function encodeFrameHeader(frame: FrameHeader): Buffer {
  const bytes = Buffer.alloc(FRAME_HEADER_BYTES);
  frame.noncePrefix.copy(bytes, 0);
  bytes.writeUInt32BE(frame.index, 8);
  bytes.writeUInt32BE((frame.final ? FINAL_FLAG : 0) + frame.length, 12);
  return bytes;
}

export function decodeFrameHeader(bytes: Buffer): FrameHeader {
  const word = bytes.readUInt32BE(12);
  return {
    noncePrefix: bytes.subarray(0, NONCE_PREFIX_BYTES),
    index: bytes.readUInt32BE(8),
    final: (word & FINAL_FLAG) !== 0,
    length: word & ~FINAL_FLAG,
  };
}
