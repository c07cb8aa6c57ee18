import { canonicalizeEx } from 'json-canonicalize';

/**
 * The bytes a manifest signature covers, as text: RFC 8785 (JSON Canonicalization Scheme),
 * i.e. object keys sorted recursively, no whitespace, numbers in ECMAScript form. Any
 * verifier in any language can rebuild it from the manifest alone.
 */
export function canonicalJson(value: unknown): string {
  return canonicalizeEx(value, { strictUndefined: true });
}
