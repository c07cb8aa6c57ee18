import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { LocalKeyProvider } from '../../../adapters/keys/local-key-provider';
import { ObjectTenantKeyStore } from '../../../adapters/keys/object-tenant-key-store';
import { TenantKeys } from '../../../adapters/keys/tenant-keys';
import { MemoryObjectStore } from './memory-object-store';

export function masterKey(): LocalKeyProvider {
  return LocalKeyProvider.fromBase64(randomBytes(32).toString('base64'), 'test master key');
}

/** Tenant keys kept in an in-memory object store, under a fresh master key. */
export function memoryKeys(
  store = new MemoryObjectStore(),
  provider = masterKey(),
): { store: MemoryObjectStore; keys: TenantKeys; provider: LocalKeyProvider } {
  return { store, keys: new TenantKeys(new ObjectTenantKeyStore(store, 'v1/'), provider), provider };
}

/** Text that compresses like a log or a dump, deterministic for a seed. */
export function sqlLikeText(bytes: number, seed = 1): Buffer {
  const lines: string[] = [];
  let length = 0;
  let x = seed;
  while (length < bytes) {
    x = (x * 1103515245 + 12345) % 2147483648;
    const line = `INSERT INTO t VALUES (${x % 100000},'name-${x % 977}','2024-0${1 + (x % 9)}-1${x % 10}');\n`;
    lines.push(line);
    length += line.length;
  }
  return Buffer.from(lines.join('')).subarray(0, bytes);
}

export function readableOf(bytes: Buffer, pieceSize = 64 * 1024): Readable {
  const pieces: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += pieceSize) pieces.push(bytes.subarray(at, at + pieceSize));
  return Readable.from(pieces, { objectMode: false });
}

export async function* piecesOf(bytes: Buffer, pieceSize: number): AsyncGenerator<Buffer> {
  for (let at = 0; at < bytes.length; at += pieceSize) yield bytes.subarray(at, at + pieceSize);
}

export async function collect(source: AsyncIterable<Buffer>): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for await (const piece of source) pieces.push(piece);
  return Buffer.concat(pieces);
}
