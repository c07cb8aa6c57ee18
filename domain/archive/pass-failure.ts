import { withHint } from '../failure-hint';
import type { ArchivePassError } from './types';

/** A failed archive pass in one line: where, what, and what to do. */
export function failureText(e: ArchivePassError): string {
  return `${e.activity ? `${e.activity}: ` : ''}${e.type}: ${withHint(e.message, e.hint)}`;
}
