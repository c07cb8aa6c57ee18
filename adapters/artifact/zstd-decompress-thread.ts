import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

export type ToDecompressor = { input: Uint8Array } | { end: true };
export type FromDecompressor = { output: Uint8Array } | { consumed: true } | { ended: true } | { error: string };

/** zstd rejected the stream: the message is zstd's. */
export class ZstdStreamError extends Error {}

/** Inputs handed over and not yet decompressed; enough to keep the thread busy while the caller reads on. */
const MAX_INPUTS_IN_FLIGHT = 2;

/**
 * zstd decompression on a thread of its own, so that it overlaps with what the caller does
 * meanwhile (download, hashing, decryption). Inputs are transferred to the thread when they
 * own their memory, and the output comes back in transferred buffers, in order, to `output`;
 * `output` returning a promise holds the inputs back until it resolves (backpressure).
 */
export class ZstdDecompressThread {
  private readonly worker = new Worker(join(__dirname, 'zstd-decompress-worker.js'));
  private inFlight = 0;
  private failure: Error | undefined;
  private waiting: { resolve: () => void; reject: (err: Error) => void } | undefined;
  private writing: Promise<void> = Promise.resolve();
  private ended = false;

  constructor(private readonly output: (bytes: Buffer) => Promise<void> | undefined) {
    this.worker.on('message', (message: FromDecompressor) => this.receive(message));
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => {
      if (!this.ended) this.fail(new Error(`the zstd decompression thread exited with ${code}`));
    });
  }

  /** Hands `input` over (it must not be used afterwards) and resolves once more may be written. */
  async write(input: Buffer): Promise<void> {
    this.check();
    const owned = input.byteOffset === 0 && input.byteLength === input.buffer.byteLength;
    this.worker.postMessage({ input } satisfies ToDecompressor, owned ? [input.buffer as ArrayBuffer] : []);
    this.inFlight++;
    while (this.inFlight >= MAX_INPUTS_IN_FLIGHT) await this.next();
    await this.writing;
    this.check();
  }

  /** Resolves once every output was delivered and the stream ended on a frame boundary. */
  async end(): Promise<void> {
    this.check();
    this.worker.postMessage({ end: true } satisfies ToDecompressor);
    while (!this.ended) await this.next();
    await this.writing;
    await this.worker.terminate();
  }

  /** Stops the thread (after a failure elsewhere). */
  async close(): Promise<void> {
    this.ended = true;
    await this.worker.terminate();
  }

  private receive(message: FromDecompressor): void {
    if ('output' in message) {
      const bytes = Buffer.from(message.output.buffer, message.output.byteOffset, message.output.byteLength);
      try {
        const written = this.output(bytes);
        if (written) this.writing = this.writing.then(() => written).catch((err: unknown) => this.fail(err as Error));
      } catch (err) {
        this.fail(err as Error);
      }
      return;
    }
    if ('error' in message) {
      this.fail(new ZstdStreamError(message.error));
      return;
    }
    if ('consumed' in message) this.inFlight--;
    else this.ended = true;
    this.wake();
  }

  private next(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.resolve();
  }

  private fail(err: Error): void {
    this.failure ??= err;
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.reject(this.failure);
  }

  private check(): void {
    if (this.failure) throw this.failure;
  }
}
