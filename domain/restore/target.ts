import { isoMicros } from '../archive/recoverable';
import { InvalidInputError } from '../errors';

/**
 * What a restore reaches: everything committed at or before a UTC instant (microseconds), a
 * GTID set (MySQL) or position (MariaDB), or the newest archived commit.
 */
export type RestoreTarget = { kind: 'instant'; at: string } | { kind: 'gtid'; set: string } | { kind: 'latest' };

export class RestoreTargetError extends InvalidInputError {}

// An explicit zone is required: an instant read in the machine's TZ would move with the machine.
const INSTANT = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?(Z|[+-]\d{2}:\d{2})$/;

/** Microseconds since the epoch of an ISO-8601 instant with an explicit zone, or undefined. */
export function instantMicros(text: string): number | undefined {
  const match = INSTANT.exec(text.trim());
  if (!match) return undefined;
  const [, date, time, fraction = '', zone] = match;
  const millis = Date.parse(`${date}T${time}${zone}`);
  if (Number.isNaN(millis)) return undefined;
  return millis * 1000 + Number(fraction.padEnd(6, '0'));
}

/** `latest`, `gtid:SET`, or an ISO-8601 instant with a zone (`2026-11-27T09:30:00.123456Z`). */
export function parseRestoreTarget(text: string): RestoreTarget {
  const trimmed = text.trim();
  if (trimmed === 'latest') return { kind: 'latest' };
  if (trimmed.startsWith('gtid:')) {
    const set = trimmed.slice('gtid:'.length).trim();
    if (set === '')
      throw new RestoreTargetError('the target `gtid:` names no GTID', {
        hint: 'write gtid:SET, e.g. gtid:3e11fa47-71ca-11e1-9e33-c80aa9429562:1-77 or gtid:0-1-2451',
      });
    return { kind: 'gtid', set };
  }
  const micros = instantMicros(trimmed);
  if (micros === undefined) {
    throw new RestoreTargetError(`restore target ${JSON.stringify(text)} is not an instant, a GTID set or latest`, {
      hint: 'write an ISO-8601 instant with its zone (2026-11-27T09:30:00.250000Z), gtid:SET, or latest',
    });
  }
  return { kind: 'instant', at: isoMicros(micros) };
}

export function describeTarget(target: RestoreTarget): string {
  return target.kind === 'instant' ? target.at : target.kind === 'gtid' ? `gtid:${target.set}` : 'latest';
}
