import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

export type ToDecompressor = { slot: number; length: number } | { end: true };
export type FromDecompressor =
  | { output: Uint8Array }
  | { consumed: number }
  | { ended: true; bytes: number }
  | { error: string }
  | { writeError: string; code: string | undefined };

/** Where the decompressed bytes go: back to the caller, into a file the thread writes itself, or nowhere (a verification). */
export type DecompressedSink =
  | { sink: 'deliver'; output: (bytes: Buffer) => Promise<void> | undefined }
  | { sink: 'file'; fd: number }
  | { sink: 'discard' };

/** What the thread is started with: where its output goes, and the slots its inputs arrive in. */
export type DecompressorSetup = ({ sink: 'deliver' } | { sink: 'file'; fd: number } | { sink: 'discard' }) & {
  slots: SharedArrayBuffer;
  slotSize: number;
};

/** zstd rejected the stream: the message is zstd's. */
export class ZstdStreamError extends Error {}

/** The thread could not write the file it was given: the message and code are the system's. */
export class DecompressedWriteError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/** Inputs handed over and not yet decompressed; enough to keep the thread busy while the caller reads on. */
const SLOTS = 2;

/**
 * zstd decompression on a thread of its own, so that it overlaps with what the caller does
 * meanwhile (download, hashing, decryption). Inputs are written into one of two slots of
 * shared memory (the caller decrypts straight into them): a buffer handed to the thread would
 * be garbage there, and a thread that allocates nothing else collects it only after tens of
 * megabytes. A file sink is written by the thread itself from one reused buffer, so the
 * output never crosses back to this thread; a delivering sink gets it back in transferred
 * buffers, in order, and its `output` returning a promise holds the inputs back until it
 * resolves (backpressure).
 */
export class ZstdDecompressThread {
  private readonly worker: Worker;
  private readonly output: (bytes: Buffer) => Promise<void> | undefined;
  private readonly slots: SharedArrayBuffer;
  private readonly freeSlots: number[] = [];
  /** Decompressed bytes, known once the stream ended. */
  bytes = 0;
  private failure: Error | undefined;
  private waiting: { resolve: () => void; reject: (err: Error) => void } | undefined;
  private writing: Promise<void> = Promise.resolve();
  private ended = false;

  /** `inputSize`: the size of a slot, the largest input (an artifact's chunk size). */
  constructor(
    sink: DecompressedSink,
    private readonly inputSize: number,
  ) {
    this.slots = new SharedArrayBuffer(SLOTS * inputSize);
    for (let slot = 0; slot < SLOTS; slot++) this.freeSlots.push(slot);
    const setup: DecompressorSetup = { ...(sink.sink === 'deliver' ? { sink: 'deliver' } : sink), slots: this.slots, slotSize: inputSize };
    this.worker = new Worker(join(__dirname, 'zstd-decompress-worker.js'), { workerData: setup });
    this.output = sink.sink === 'deliver' ? sink.output : () => undefined;
    this.worker.on('message', (message: FromDecompressor) => this.receive(message));
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => {
      if (!this.ended) this.fail(new Error(`the zstd decompression thread exited with ${code}`));
    });
  }

  /**
   * Lets `fill` put the next input straight into a free slot of shared memory, which it gets
   * as a buffer of the announced input size and returns a view of (from its start), and hands
   * that to the thread; resolves to false without handing anything over when `fill` finds no
   * more input. Resolves once more may be written.
   */
  async writeInto(fill: (slot: Buffer) => Promise<Buffer | undefined>): Promise<boolean> {
    this.check();
    while (this.freeSlots.length === 0) await this.next();
    const slot = this.freeSlots.pop()!;
    const view = Buffer.from(this.slots, slot * this.inputSize, this.inputSize);
    let input: Buffer | undefined;
    try {
      input = await fill(view);
    } finally {
      if (!input) this.freeSlots.push(slot);
    }
    if (!input) return false;
    if (input.buffer !== this.slots || input.byteOffset !== view.byteOffset)
      throw new RangeError('writeInto: fill must return a view of its slot');
    this.worker.postMessage({ slot, length: input.length } satisfies ToDecompressor);
    while (this.freeSlots.length === 0) await this.next();
    await this.writing;
    this.check();
    return true;
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
    if ('writeError' in message) {
      this.fail(new DecompressedWriteError(message.writeError, message.code));
      return;
    }
    if ('consumed' in message) this.freeSlots.push(message.consumed);
    else {
      this.bytes = message.bytes;
      this.ended = true;
    }
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
