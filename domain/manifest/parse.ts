import type { z } from 'zod';
import { ManifestInvalidError, type ManifestIssue } from './errors';
import { manifestSchema, signedManifestEnvelopeSchema, type Manifest } from './schema';

/** Checks anything claiming to be a manifest (parsed JSON, a workflow argument) and returns it typed and canonical. */
export function parseManifest(input: unknown): Manifest {
  return parseWith(manifestSchema, input, 'backup manifest');
}

export function parseSignedManifestEnvelope(input: unknown): z.output<typeof signedManifestEnvelopeSchema> {
  return parseWith(signedManifestEnvelopeSchema, input, 'signed manifest envelope');
}

function parseWith<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ManifestInvalidError(what, result.error.issues.map(toManifestIssue));
}

function toManifestIssue(issue: z.core.$ZodIssue): ManifestIssue {
  let path = '';
  for (const part of issue.path) {
    path += typeof part === 'number' ? `[${part}]` : `${path === '' ? '' : '.'}${String(part)}`;
  }
  return { path: path === '' ? '(top level)' : path, message: issue.message };
}
