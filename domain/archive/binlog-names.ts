import { InvalidInputError } from '../errors';

const BINLOG_NAME = /^([A-Za-z0-9_][A-Za-z0-9._-]*)\.(\d{6,})$/;

export interface BinlogName {
  base: string;
  sequence: number;
  /** Digits in the extension: six until the sequence outgrows them. */
  width: number;
}

/** Whether a file name is a binlog's: a base name, a dot, then a sequence number. */
export function isBinlogName(name: string): boolean {
  return BINLOG_NAME.test(name);
}

/** `binlog.000042` → base `binlog`, sequence 42. */
export function parseBinlogName(name: string): BinlogName {
  const match = BINLOG_NAME.exec(name);
  if (!match) {
    throw new InvalidInputError(`"${name}" is not a binlog file name (base name, a dot, then a sequence number of six or more digits)`, {
      hint: "list the server's binlogs with SHOW BINARY LOGS; the archive handles only the files the server names there",
    });
  }
  const digits = match[2]!;
  return { base: match[1]!, sequence: Number(digits), width: digits.length };
}

/** Sorts names by binlog sequence number (a seven-digit extension follows `.999999`), never by text. */
export function inBinlogOrder<T extends { name: string }>(files: readonly T[]): T[] {
  return files
    .map((file) => ({ file, sequence: parseBinlogName(file.name).sequence }))
    .sort((a, b) => a.sequence - b.sequence)
    .map(({ file }) => file);
}

/** The newest of some binlog names, by sequence number; undefined for none. */
export function newestBinlogName(names: Iterable<string>): string | undefined {
  return inBinlogOrder([...names].map((name) => ({ name }))).pop()?.name;
}

/**
 * The closed files whose creation time a pass reads: those after the newest file of the server
 * the archive holds, and that newest one itself as the witness that the names it holds were not
 * rewritten (a reset removes every file, so a rewritten name is never older than an original
 * one still listed). Every file when the archive holds none of the server's. `closed` is in
 * binlog order.
 */
export function filesToDate<T extends { name: string }>(closed: readonly T[], newestArchived: string | undefined): T[] {
  if (newestArchived === undefined) return [...closed];
  const newest = parseBinlogName(newestArchived).sequence;
  const after = closed.findIndex((f) => parseBinlogName(f.name).sequence > newest);
  const firstNew = after < 0 ? closed.length : after;
  return closed.slice(Math.max(0, firstNew - 1));
}

function nameOf(base: string, sequence: number, width: number): string {
  return `${base}.${String(sequence).padStart(width, '0')}`;
}

/**
 * The files a server wrote strictly between two of its binlogs, as the first and last name,
 * or undefined when they are adjacent (or not of the same base name, so unknowable).
 */
export function filesBetween(after: string, before: string): { first: string; last: string } | undefined {
  const a = parseBinlogName(after);
  const b = parseBinlogName(before);
  if (a.base !== b.base || b.sequence - a.sequence < 2) return undefined;
  return { first: nameOf(a.base, a.sequence + 1, a.width), last: nameOf(b.base, b.sequence - 1, a.width) };
}
