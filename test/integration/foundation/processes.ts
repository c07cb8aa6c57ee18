import { readdirSync, readFileSync } from 'node:fs';

/** Pids of every process whose command line mentions `dir`: what a stack in `dir` left running. */
export function processesMentioning(dir: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir);
      } catch {
        return false;
      }
    })
    .map(Number);
}
