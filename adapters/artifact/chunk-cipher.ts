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
 * frame header, ciphertext, tag: the stored form of a chunk, as pieces to write in order.
 * The plaintext may come in pieces too; nothing is copied besides the encryption itself.
 */
export function sealChunk(key: Buffer, headerDigest: Buffer, frame: Omit<FrameHeader, 'length'>, plaintext: readonly Buffer[]): Buffer[] {
  const length = plaintext.reduce((sum, piece) => sum + piece.length, 0);
  const frameHeader = encodeFrameHeader({ ...frame, length });
  const cipher = createCipheriv('aes-256-gcm', key, frameHeader.subarray(0, NONCE_BYTES));
  cipher.setAAD(additionalData(headerDigest, frameHeader));
  const sealed = [frameHeader, ...plaintext.map((piece) => cipher.update(piece))];
  cipher.final();
  sealed.push(cipher.getAuthTag());
  return sealed;
}

/** The chunk's plaintext, or undefined when it does not authenticate under this key, header and frame. */
export function openChunk(key: Buffer, headerDigest: Buffer, frameHeader: Buffer, ciphertext: Buffer, tag: Buffer): Buffer | undefined {
  const decipher = createDecipheriv('aes-256-gcm', key, frameHeader.subarray(0, NONCE_BYTES));
  decipher.setAAD(additionalData(headerDigest, frameHeader));
  decipher.setAuthTag(tag);
  const plaintext = decipher.update(ciphertext);
  try {
    decipher.final();
  } catch {
    return undefined;
  }
  return plaintext;
}
