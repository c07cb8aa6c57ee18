import { PitrError } from '../errors';

/** A binlog whose bytes cannot be trusted: truncated, bit-flipped, or not a binlog at all. */
export class BinlogCorruptError extends PitrError {
  /** Byte offset in the file of the event (or header) that is wrong. */
  readonly offset: number;
  readonly file: string | undefined;

  constructor(offset: number, what: string, file?: string) {
    super(`binlog ${file === undefined ? '' : `${file} `}corrupt at offset ${offset}: ${what}`, {
      hint: 'take this file again from the server (or another replica) if it still has it; otherwise the archive has a gap here and recovery past this point needs another copy',
    });
    this.offset = offset;
    this.file = file;
  }
}

/** A well-formed binlog this reader deliberately does not read (encrypted). */
export class BinlogUnsupportedError extends PitrError {
  constructor(what: string, hint: string, file?: string) {
    super(`binlog ${file === undefined ? '' : `${file} `}cannot be read: ${what}`, { hint });
  }
}

/** The "what" of a BinlogCorruptError for an event whose stored CRC32 does not match its bytes. */
export function crcMismatch(eventName: string, stored: number, computed: number): string {
  const hex = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;
  return `CRC32 mismatch in ${eventName} event (stored ${hex(stored)}, computed ${hex(computed)})`;
}
