import { Transform } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Passes bytes through at no more than `bytesPerSecond` on average, so an upload leaves
 * the database host's disk and network to the database.
 */
export function rateLimit(bytesPerSecond: number): Transform {
  const started = Date.now();
  let passed = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      passed += chunk.length;
      const due = started + (passed / bytesPerSecond) * 1000;
      const wait = due - Date.now();
      if (wait <= 0) {
        done(null, chunk);
        return;
      }
      void sleep(wait).then(() => done(null, chunk));
    },
  });
}
