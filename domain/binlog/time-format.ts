import type { BinlogTime } from './types';

/**
 * ISO-8601 UTC. Microsecond times print all six digits (`2026-11-24T02:59:31.071258Z`);
 * whole-second times (event headers, all of MariaDB) print no fraction
 * (`2026-11-24T02:59:37Z`), so the text never claims a precision the binlog lacks.
 */
export function formatBinlogTime(time: BinlogTime): string {
  const wholeSeconds = Math.floor(time.micros / 1_000_000);
  const iso = new Date(wholeSeconds * 1000).toISOString().slice(0, 19);
  if (time.precision === 's') return `${iso}Z`;
  const fraction = String(time.micros - wholeSeconds * 1_000_000).padStart(6, '0');
  return `${iso}.${fraction}Z`;
}
