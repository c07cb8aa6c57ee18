/** What a wrapped data key is bound to: unwrapping it under another tenant or id fails. */
export interface WrapContext {
  tenant: string;
  dataKeyId: string;
}

/**
 * A master key that wraps tenant data keys and never leaves its provider: the local
 * provider below, or a cloud KMS (Encrypt/Decrypt with the context as encryption context).
 */
export interface KeyProvider {
  /** Names the master key; recorded beside every data key it wraps. */
  readonly keyId: string;
  /** The data key encrypted under the master key, as printable text. */
  wrap(dataKey: Buffer, context: WrapContext): Promise<string>;
  unwrap(wrapped: string, context: WrapContext): Promise<Buffer>;
}
