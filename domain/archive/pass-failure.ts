import type { ArchivePassError } from './types';

/** A failed archive pass in one line: where, what, and what to do. */
export function failureText(e: ArchivePassError): string {
  return `${e.activity ? `${e.activity}: ` : ''}${e.type}: ${e.message}${e.hint ? ` (what to do: ${e.hint})` : ''}`;
}
