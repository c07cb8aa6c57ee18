import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalJson, parseManifest } from '../../../domain/manifest';
import { mysqlManifest } from './sample-manifests';

function reorderKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reorderKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([key, inner]) => [key, reorderKeys(inner)]),
  );
}

test('canonical JSON sorts keys recursively and has no whitespace', () => {
  assert.equal(canonicalJson({ b: [{ z: 1, a: 'é' }], a: { d: true, c: null } }), '{"a":{"c":null,"d":true},"b":[{"a":"é","z":1}]}');
});

test('canonical JSON of a manifest does not depend on key order', () => {
  const manifest = parseManifest(mysqlManifest());
  const reordered = reorderKeys(manifest);
  assert.notEqual(JSON.stringify(reordered), JSON.stringify(manifest));
  assert.equal(canonicalJson(reordered), canonicalJson(manifest));
  assert.ok(canonicalJson(manifest).startsWith('{"artifact":{"compression":{"algorithm":"zstd","level":3,"workers":2},'));
});

test('canonical JSON refuses what JSON cannot carry', () => {
  assert.throws(() => canonicalJson({ a: undefined }));
  assert.throws(() => canonicalJson({ a: Number.NaN }));
});
