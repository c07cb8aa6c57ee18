import { InvalidInputError } from '../../domain/errors';

const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._=+-]*$/;

/**
 * A deterministic object key: the same inputs always name the same object, so a retried
 * upload overwrites its own object instead of leaving a second copy.
 */
export function objectKey(prefix: string, ...segments: string[]): string {
  for (const segment of segments) {
    if (!SEGMENT.test(segment) || segment.length > 200) {
      throw new InvalidInputError(`"${segment}" cannot be part of an object key`, {
        hint: 'use letters, digits and . _ = + - (not starting with . or -), at most 200 characters',
      });
    }
  }
  return prefix + segments.join('/');
}

/** Where a quarantined object goes: `<prefix>failed/` followed by its key without the prefix. */
export function quarantineKey(prefix: string, key: string): string {
  const relative = key.startsWith(prefix) ? key.slice(prefix.length) : key;
  return `${prefix}failed/${relative}`;
}
