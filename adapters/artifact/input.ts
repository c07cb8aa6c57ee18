import { open } from 'node:fs/promises';

/**
 * A file's bytes in pieces of `pieceSize`, read ahead by one piece. Only two buffers are
 * ever used: a piece is valid until the next one is requested, which suits the encoder
 * (it consumes each piece before asking for the next) and spares the garbage collector a
 * fresh buffer per read.
 */
export async function* readFileInPieces(path: string, pieceSize = 1024 * 1024): AsyncGenerator<Buffer> {
  const handle = await open(path, 'r');
  let reading = Buffer.allocUnsafe(pieceSize);
  let spare = Buffer.allocUnsafe(pieceSize);
  let position = 0;
  let pending = handle.read(reading, 0, pieceSize, position);
  try {
    for (;;) {
      const { bytesRead } = await pending;
      if (bytesRead === 0) return;
      position += bytesRead;
      const ready = reading;
      [reading, spare] = [spare, reading];
      pending = handle.read(reading, 0, pieceSize, position);
      yield ready.subarray(0, bytesRead);
    }
  } finally {
    await pending.catch(() => undefined);
    await handle.close();
  }
}
