import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  ManifestInvalidError,
  ManifestKeyError,
  ManifestRejectedError,
  canonicalJson,
  type ManifestRejection,
} from '../../../domain/manifest';
import {
  generateManifestKeyPair,
  loadManifestSigningKey,
  loadManifestVerifyingKey,
  signManifest,
  verifySignedManifest,
} from '../../../domain/manifest/signature';
import { mariadbManifest, mysqlManifest } from './sample-manifests';

const pair = generateManifestKeyPair();
const signer = loadManifestSigningKey('backup-2026', pair.privateKeyPem);
const trusted = [loadManifestVerifyingKey('backup-2026', pair.publicKeyPem)];

/** What a verifier reads back from storage: JSON text, parsed again. */
const stored = (value: unknown): any => JSON.parse(JSON.stringify(value));

function rejection(envelope: unknown, options: { expectedStoredSha256?: string } = {}, keys = trusted): ManifestRejectedError {
  try {
    verifySignedManifest(envelope, keys, options);
  } catch (err) {
    assert.ok(err instanceof ManifestRejectedError, String(err));
    assert.ok(err.hint);
    assert.equal(err.terminal, true, 'retrying cannot make a rejected manifest genuine');
    return err;
  }
  assert.fail('the manifest was accepted');
}

describe('signed manifests', () => {
  test('a signed manifest verifies after a round trip through JSON, for both flavors', () => {
    for (const input of [mysqlManifest(), mariadbManifest()]) {
      const envelope = signManifest(input, signer);
      assert.equal(envelope.signature.algorithm, 'ed25519');
      assert.equal(envelope.signature.keyId, 'backup-2026');
      assert.equal(Buffer.from(envelope.signature.value, 'base64').length, 64);
      assert.deepEqual(verifySignedManifest(stored(envelope), trusted), envelope.manifest);
    }
  });

  test('a manifest signed before lower_case_table_names was recorded still verifies, and its servers run with 0', () => {
    const { lowerCaseTableNames, ...older } = signManifest(mysqlManifest(), signer).manifest;
    assert.equal(lowerCaseTableNames, 0);
    const value = sign(null, Buffer.from(canonicalJson(older), 'utf8'), createPrivateKey(pair.privateKeyPem)).toString('base64');
    const envelope = stored({ manifest: older, signature: { algorithm: 'ed25519', keyId: 'backup-2026', value } });
    assert.equal(verifySignedManifest(envelope, trusted).lowerCaseTableNames, 0);
  });

  test("a manifest records the source's lower_case_table_names under its signature", () => {
    const envelope = stored(signManifest({ ...mariadbManifest(), lowerCaseTableNames: 1 }, signer));
    assert.equal(verifySignedManifest(envelope, trusted).lowerCaseTableNames, 1);
    envelope.manifest.lowerCaseTableNames = 0;
    assert.equal(rejection(envelope).reason, 'signature-mismatch', 'a restore cannot be made to run with another setting');
  });

  test('verification does not depend on the key order of the stored JSON', () => {
    const envelope = stored(signManifest(mysqlManifest(), signer));
    const { artifact, ...rest } = envelope.manifest;
    envelope.manifest = { ...rest, artifact: { ...artifact } };
    assert.equal(verifySignedManifest(envelope, trusted).backupId, 'bk-20261124-0259');
  });

  test('the signature is a plain Ed25519 signature of the canonical JSON, checkable by any verifier', () => {
    const envelope = signManifest(mysqlManifest(), signer);
    const derived = loadManifestVerifyingKey('backup-2026', pair.privateKeyPem);
    const data = Buffer.from(canonicalJson(stored(envelope).manifest), 'utf8');
    assert.equal(verify(null, data, derived.publicKey, Buffer.from(envelope.signature.value, 'base64')), true);
  });

  test('an invalid manifest is not signed', () => {
    assert.throws(() => signManifest({ ...mysqlManifest(), backupId: '' }, signer), ManifestInvalidError);
  });

  const refusals: Array<[string, ManifestRejection, (envelope: any) => void, RegExp]> = [
    [
      'a tampered field',
      'signature-mismatch',
      (e) => (e.manifest.coordinate.binlogPosition = 158),
      /signature does not match its content for key "backup-2026"/,
    ],
    ['a tampered GTID set', 'signature-mismatch', (e) => (e.manifest.coordinate.gtidExecuted += ':2152'), /changed after it was signed/],
    ['an added field', 'signature-mismatch', (e) => (e.manifest.note = 'hi'), /signature does not match/],
    [
      "another key's signature",
      'signature-mismatch',
      (e) =>
        (e.signature.value = signManifest(
          mysqlManifest(),
          loadManifestSigningKey('backup-2026', generateManifestKeyPair().privateKeyPem),
        ).signature.value),
      /signature does not match/,
    ],
    [
      'an unknown schema version',
      'unknown-schema-version',
      (e) => (e.manifest.schemaVersion = 2),
      /manifest schema version 2 is unknown \(this build reads version 1\)/,
    ],
    ['no schema version', 'unknown-schema-version', (e) => delete e.manifest.schemaVersion, /manifest schema version undefined is unknown/],
    [
      'an unknown key id',
      'unknown-key',
      (e) => (e.signature.keyId = 'stolen-2025'),
      /signed with key "stolen-2025", which is not a trusted key \(trusted: "backup-2026"\)/,
    ],
  ];
  for (const [what, reason, tamper, message] of refusals) {
    test(`refuses ${what} (${reason})`, () => {
      const envelope = stored(signManifest(mysqlManifest(), signer));
      tamper(envelope);
      const err = rejection(envelope);
      assert.equal(err.reason, reason);
      assert.match(err.message, message);
    });
  }

  test('refuses an artifact checksum other than the expected one (checksum-mismatch)', () => {
    const envelope = stored(signManifest(mysqlManifest(), signer));
    const expected = 'a'.repeat(64);
    const err = rejection(envelope, { expectedStoredSha256: expected });
    assert.equal(err.reason, 'checksum-mismatch');
    assert.match(err.message, new RegExp(`backup bk-20261124-0259: the manifest names artifact SHA-256 9f86d0.*, expected ${expected}`));
    const matching = envelope.manifest.artifact.storedSha256.toUpperCase();
    assert.equal(verifySignedManifest(envelope, trusted, { expectedStoredSha256: matching }).backupId, 'bk-20261124-0259');
  });

  test('refuses when no key is trusted at all', () => {
    const err = rejection(stored(signManifest(mysqlManifest(), signer)), {}, []);
    assert.equal(err.reason, 'unknown-key');
    assert.match(err.message, /trusted: none/);
  });

  test('a malformed envelope is invalid, naming the field', () => {
    const envelope = stored(signManifest(mysqlManifest(), signer));
    envelope.signature.value = 'not base64!';
    assert.throws(
      () => verifySignedManifest(envelope, trusted),
      (err: unknown) => err instanceof ManifestInvalidError && /signature\.value: must be base64/.test(err.message),
    );
    assert.throws(() => verifySignedManifest({ manifest: envelope.manifest }, trusted), /signature:/);
  });
});

describe('manifest keys', () => {
  test('generated PEM keys load as Ed25519 signing and verifying keys', () => {
    assert.match(pair.privateKeyPem, /^-----BEGIN PRIVATE KEY-----/);
    assert.match(pair.publicKeyPem, /^-----BEGIN PUBLIC KEY-----/);
    assert.equal(signer.privateKey.asymmetricKeyType, 'ed25519');
  });

  test('text that is not a PEM key is refused, naming the key', () => {
    assert.throws(
      () => loadManifestSigningKey('k1', 'nope'),
      (err: unknown) => err instanceof ManifestKeyError && /manifest key "k1" is not a PEM private key/.test(err.message),
    );
    assert.throws(() => loadManifestSigningKey('k1', pair.publicKeyPem), ManifestKeyError);
    assert.throws(() => loadManifestVerifyingKey('k2', 'nope'), /manifest key "k2" is not a PEM public key/);
  });

  test('a key of another algorithm is refused', () => {
    const ecdsa = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = ecdsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    assert.throws(() => loadManifestSigningKey('k3', pem), /manifest key "k3" is not an Ed25519 key \(its type is ec\)/);
  });
});
