import { writeSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { DCtx } from 'zstd-napi/binding';
import type { DecompressorSetup, FromDecompressor, ToDecompressor } from './zstd-decompress-thread';

/**
 * Output goes out in pieces of this size. Handed back to the caller, each is a buffer of its
 * own (it is transferred, not copied): measured unpacking 800 MiB to a file, 1 MiB pieces cost
 * 0.4-0.5 s more system time than 256 KiB ones (fresh pages for every piece). Written to a
 * file here, one buffer serves every piece.
 */
const OUTPUT_SIZE = 256 * 1024;

const port = parentPort;
if (!port) throw new Error('zstd-decompress-worker runs in a worker thread (see ZstdDecompressThread)');
const setup = workerData as DecompressorSetup;
const context = new DCtx();
let output = Buffer.allocUnsafe(OUTPUT_SIZE);
let filled = 0;
let inFrame = false;
let produced = 0;

function send(message: FromDecompressor, transfer: ArrayBuffer[] = []): void {
  port?.postMessage(message, transfer);
}

/** Writes all of `bytes` at the file's current position; a short write is continued. */
function writeAll(fd: number, bytes: Buffer): void {
  for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
}

function flush(): void {
  if (filled === 0) return;
  produced += filled;
  if (setup.sink === 'file') writeAll(setup.fd, output.subarray(0, filled));
  else if (setup.sink === 'deliver') {
    send({ output: output.subarray(0, filled) }, [output.buffer as ArrayBuffer]);
    output = Buffer.allocUnsafe(OUTPUT_SIZE);
  }
  filled = 0;
}

function decompress(input: Buffer): void {
  let rest = input;
  for (;;) {
    const [left, made, consumed] = context.decompressStream(output.subarray(filled), rest);
    filled += made;
    rest = rest.subarray(consumed);
    const full = filled === OUTPUT_SIZE;
    if (full) flush();
    // No input left, and either room left in the output (zstd holds nothing back) or the frame
    // complete: calling again would only ask for the next frame's header.
    if (rest.length === 0 && (!full || left === 0)) {
      inFrame = left !== 0;
      return;
    }
  }
}

/** zstd's own failures are the stream's; a failed write is the destination's, with its code. */
function failure(err: unknown): FromDecompressor {
  const message = err instanceof Error ? err.message : String(err);
  const { syscall, code } = err as NodeJS.ErrnoException;
  return syscall === 'write' ? { writeError: message, code } : { error: message };
}

port.on('message', (message: ToDecompressor) => {
  try {
    if ('slot' in message) {
      decompress(Buffer.from(setup.slots, message.slot * setup.slotSize, message.length));
      send({ consumed: message.slot });
    } else {
      flush();
      send(inFrame ? { error: 'the stream ends in the middle of a zstd frame' } : { ended: true, bytes: produced });
    }
  } catch (err) {
    send(failure(err));
  }
});
