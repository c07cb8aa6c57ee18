import { createCipheriv, createDecipheriv, createHmac, hkdfSync } from 'node:crypto';
import { encodeFrameHeader, type FrameHeader, KEY_CHECK_BYTES } from './format';

/**
 * Each artifact gets its own AES-256 key, derived from the tenant data key and the random
 * artifact id, so nonces (prefix + chunk counter) need only be unique within one artifact.
 */
export function contentKey(dataKey: Buffer, artifactId: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', dataKey, artifactId, 'pitr-artifact-v1 content key', 32));
}

export function keyCheckValue(dataKey: Buffer): Buffer {
  return createHmac('sha256', dataKey).update('pitr-artifact-v1 key check').digest().subarray(0, KEY_CHECK_BYTES);
}

/** AAD = header digest + frame header (nonce prefix, index, final flag, length). */
function additionalData(headerDigest: Buffer, frameHeader: Buffer): Buffer {
  return Buffer.concat([headerDigest, frameHeader]);
}

const NONCE_BYTES = 12;

/**
 * Bytes handed to the cipher per call. Node allocates each call's output afresh, and a
 * megabyte buffer is fresh pages from the kernel every time (measured: AES-GCM at 0.8 GB/s
 * in 1 MiB calls, 2 GB/s in 64 KiB ones, whose memory malloc reuses).
 */
const CIPHER_STEP = 64 * 1024;

/** `pieces` cut into runs of at most CIPHER_STEP bytes, in order, without copying. */
function* steps(pieces: readonly Buffer[]): Generator<Buffer> {
  for (const piece of pieces) for (let at = 0; at < piece.length; at += CIPHER_STEP) yield piece.subarray(at, at + CIPHER_STEP);
}

/**
 * frame header, ciphertext pieces, tag: the stored form of a chunk, as pieces to write in
 * order. The plaintext may come in pieces too; nothing is copied besides the encryption itself.
 */
export function sealChunk(key: Buffer, headerDigest: Buffer, frame: Omit<FrameHeader, 'length'>, plaintext: readonly Buffer[]): Buffer[] {
  const length = plaintext.reduce((sum, piece) => sum + piece.length, 0);
  const frameHeader = encodeFrameHeader({ ...frame, length });
  const cipher = createCipheriv('aes-256-gcm', key, frameHeader.subarray(0, NONCE_BYTES));
  cipher.setAAD(additionalData(headerDigest, frameHeader));
  const sealed = [frameHeader];
  for (const step of steps(plaintext)) sealed.push(cipher.update(step));
  cipher.final();
  sealed.push(cipher.getAuthTag());
  return sealed;
}

/**
 * Decrypts a chunk's ciphertext (in pieces) into `target`, which must hold it; true when it
 * authenticates under this key, header and frame. On false, `target` holds bytes that must
 * not be used.
 */
export function openChunk(
  key: Buffer,
  headerDigest: Buffer,
  frameHeader: Buffer,
  ciphertext: readonly Buffer[],
  tag: Buffer,
  target: Buffer,
): boolean {
  const decipher = createDecipheriv('aes-256-gcm', key, frameHeader.subarray(0, NONCE_BYTES));
  decipher.setAAD(additionalData(headerDigest, frameHeader));
  decipher.setAuthTag(tag);
  let filled = 0;
  for (const step of steps(ciphertext)) filled += decipher.update(step).copy(target, filled);
  try {
    decipher.final();
  } catch {
    return false;
  }
  return true;
}
