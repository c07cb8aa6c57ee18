import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { InvalidInputError } from '../../domain/errors';
import { KeyRecordInvalidError } from './errors';
import type { KeyProvider, WrapContext } from './key-provider';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;

function contextBytes(context: WrapContext): Buffer {
  return Buffer.from(JSON.stringify(['pitr-data-key-v1', context.tenant, context.dataKeyId]));
}

/** A master key held by this process (from a file or an environment variable), wrapping with AES-256-GCM. */
export class LocalKeyProvider implements KeyProvider {
  readonly keyId: string;

  private constructor(private readonly masterKey: Buffer) {
    this.keyId = `local:${createHash('sha256').update('pitr-master-key-id').update(masterKey).digest('hex').slice(0, 16)}`;
  }

  /** `source` names where the text came from, for the error message. */
  static fromBase64(text: string, source: string): LocalKeyProvider {
    const trimmed = text.trim();
    const key = Buffer.from(trimmed, 'base64');
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed) || key.length !== 32) {
      throw new InvalidInputError(`${source} is not a base64-encoded 32-byte key`, {
        hint: 'generate one with `openssl rand -base64 32`',
      });
    }
    return new LocalKeyProvider(key);
  }

  async wrap(dataKey: Buffer, context: WrapContext): Promise<string> {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.masterKey, nonce).setAAD(contextBytes(context));
    const sealed = Buffer.concat([nonce, cipher.update(dataKey), cipher.final(), cipher.getAuthTag()]);
    return sealed.toString('base64');
  }

  async unwrap(wrapped: string, context: WrapContext): Promise<Buffer> {
    const sealed = Buffer.from(wrapped, 'base64');
    const nonce = sealed.subarray(0, NONCE_BYTES);
    const tag = sealed.subarray(sealed.length - TAG_BYTES);
    const body = sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES);
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.masterKey, nonce).setAAD(contextBytes(context));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(body), decipher.final()]);
    } catch (err) {
      throw new KeyRecordInvalidError(
        `the wrapped data key ${context.dataKeyId} of tenant ${context.tenant} does not decrypt under master key ${this.keyId}: the record was altered or copied from another tenant`,
        err,
      );
    }
  }
}
