import { parentPort } from 'node:worker_threads';
import { DCtx } from 'zstd-napi/binding';
import type { FromDecompressor, ToDecompressor } from './zstd-decompress-thread';

/**
 * Output is handed back in pieces of this size, each a buffer of its own (it is transferred,
 * not copied). Measured unpacking 800 MiB to a file: 1 MiB pieces cost 0.4-0.5 s more system
 * time than 256 KiB ones (fresh pages for every piece); 128 KiB saves nothing more.
 */
const OUTPUT_SIZE = 256 * 1024;

const port = parentPort;
if (!port) throw new Error('zstd-decompress-worker runs in a worker thread (see ZstdDecompressThread)');
const context = new DCtx();
let output = Buffer.allocUnsafe(OUTPUT_SIZE);
let filled = 0;
let inFrame = false;

function send(message: FromDecompressor, transfer: ArrayBuffer[] = []): void {
  port?.postMessage(message, transfer);
}

function flush(): void {
  if (filled === 0) return;
  send({ output: output.subarray(0, filled) }, [output.buffer as ArrayBuffer]);
  output = Buffer.allocUnsafe(OUTPUT_SIZE);
  filled = 0;
}

function decompress(input: Uint8Array): void {
  let rest = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  for (;;) {
    const [left, produced, consumed] = context.decompressStream(output.subarray(filled), rest);
    filled += produced;
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

port.on('message', (message: ToDecompressor) => {
  try {
    if ('input' in message) {
      decompress(message.input);
      send({ consumed: true });
    } else {
      flush();
      send(inFrame ? { error: 'the stream ends in the middle of a zstd frame' } : { ended: true });
    }
  } catch (err) {
    send({ error: err instanceof Error ? err.message : String(err) });
  }
});
