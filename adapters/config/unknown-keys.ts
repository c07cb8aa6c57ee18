import { z } from 'zod';
import { nearest } from './edit-distance';

/** A key a configuration file has where its schema has none. */
export interface UnknownKey {
  /** Dotted, from the file's root: `database.pasword`, `previousMasterKeys.0.fiel`. */
  path: string;
  /** The valid key it is nearest to, with its path, when one is near enough. */
  suggestion: string | undefined;
  /** Every key the object holding it accepts. */
  validKeys: string[];
}

type Path = readonly PropertyKey[];

/** The object schemas a value at `path` may be checked against (several under a union). */
function objectsAt(schema: z.ZodType, path: Path): z.ZodObject[] {
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodDefault) return objectsAt(schema.unwrap() as z.ZodType, path);
  if (schema instanceof z.ZodUnion) return (schema.options as readonly z.ZodType[]).flatMap((option) => objectsAt(option, path));
  if (path.length === 0) return schema instanceof z.ZodObject ? [schema] : [];
  const [head, ...rest] = path;
  if (schema instanceof z.ZodObject) {
    const child = (schema.shape as Record<PropertyKey, z.ZodType | undefined>)[head!];
    return child ? objectsAt(child, rest) : [];
  }
  if (schema instanceof z.ZodArray) return objectsAt(schema.element as z.ZodType, rest);
  if (schema instanceof z.ZodRecord) return objectsAt(schema.valueType as z.ZodType, rest);
  return [];
}

export function validKeysAt(schema: z.ZodType, path: Path): string[] {
  return [...new Set(objectsAt(schema, path).flatMap((object) => Object.keys(object.shape)))];
}

/**
 * The unknown keys among a failed parse's issues, each once. Under a
 * union (a secret given as `{"file": ...}` or `{"env": ...}`) every branch reports the keys
 * it does not know, so a key counts only if no branch at that path accepts it.
 */
export function unknownKeys(schema: z.ZodType, issues: readonly z.core.$ZodIssue[], base: Path = []): UnknownKey[] {
  const found = new Map<string, UnknownKey>();
  for (const issue of issues) {
    const path = [...base, ...issue.path];
    if (issue.code === 'invalid_union') {
      for (const branch of issue.errors) for (const key of unknownKeys(schema, branch, path)) found.set(key.path, key);
    }
    if (issue.code !== 'unrecognized_keys') continue;
    const validKeys = validKeysAt(schema, path);
    for (const key of issue.keys.filter((k) => !validKeys.includes(k))) {
      const dotted = (name: string): string => [...path, name].map(String).join('.');
      const near = nearest(key, validKeys);
      found.set(dotted(key), { path: dotted(key), suggestion: near === undefined ? undefined : dotted(near), validKeys });
    }
  }
  return [...found.values()];
}
