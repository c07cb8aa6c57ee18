import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson } from './canonical-json';
import { ManifestKeyError, ManifestRejectedError } from './errors';
import { parseManifest, parseSignedManifestEnvelope } from './parse';
import { MANIFEST_SCHEMA_VERSION, type Manifest, type SignedManifest } from './schema';

export interface ManifestSigningKey {
  readonly keyId: string;
  readonly privateKey: KeyObject;
}

export interface ManifestVerifyingKey {
  readonly keyId: string;
  readonly publicKey: KeyObject;
}

export interface ManifestKeyPairPem {
  /** PKCS#8 PEM: keep it secret, with the backup workers only. */
  readonly privateKeyPem: string;
  /** SPKI PEM: give it to every verifier. */
  readonly publicKeyPem: string;
}

export function generateManifestKeyPair(): ManifestKeyPairPem {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519', {
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
}

export function loadManifestSigningKey(keyId: string, privateKeyPem: string): ManifestSigningKey {
  return { keyId, privateKey: ed25519Key(keyId, () => createPrivateKey(privateKeyPem), 'a PEM private key') };
}

/** Accepts the public key, or the private key from which it is derived. */
export function loadManifestVerifyingKey(keyId: string, publicKeyPem: string): ManifestVerifyingKey {
  return { keyId, publicKey: ed25519Key(keyId, () => createPublicKey(publicKeyPem), 'a PEM public key') };
}

/** Validates the manifest, then signs its canonical JSON. */
export function signManifest(input: unknown, key: ManifestSigningKey): SignedManifest {
  const manifest = parseManifest(input);
  const value = sign(null, Buffer.from(canonicalJson(manifest), 'utf8'), key.privateKey).toString('base64');
  return { manifest, signature: { algorithm: 'ed25519', keyId: key.keyId, value } };
}

export interface ManifestVerification {
  /** SHA-256 (hex) of the artifact the caller holds or expects; the manifest must name the same. */
  readonly expectedStoredSha256?: string;
}

/**
 * Returns the manifest of a signed envelope (as read from storage) once it is known to be
 * genuine. The signature is checked over the manifest exactly as received, before the schema
 * reads any of it beyond its version.
 */
export function verifySignedManifest(
  envelope: unknown,
  trustedKeys: readonly ManifestVerifyingKey[],
  verification: ManifestVerification = {},
): Manifest {
  const { manifest: received, signature } = parseSignedManifestEnvelope(envelope);
  if (received.schemaVersion !== MANIFEST_SCHEMA_VERSION) {
    throw new ManifestRejectedError(
      'unknown-schema-version',
      `manifest schema version ${JSON.stringify(received.schemaVersion) ?? 'undefined'} is unknown (this build reads version ${MANIFEST_SCHEMA_VERSION})`,
    );
  }
  const key = trustedKeys.find((candidate) => candidate.keyId === signature.keyId);
  if (!key) {
    const trusted = trustedKeys.map((candidate) => `"${candidate.keyId}"`).join(', ') || 'none';
    throw new ManifestRejectedError(
      'unknown-key',
      `manifest is signed with key "${signature.keyId}", which is not a trusted key (trusted: ${trusted})`,
    );
  }
  const genuine = verify(null, Buffer.from(canonicalJson(received), 'utf8'), key.publicKey, Buffer.from(signature.value, 'base64'));
  if (!genuine) {
    throw new ManifestRejectedError(
      'signature-mismatch',
      `manifest signature does not match its content for key "${signature.keyId}": the manifest was changed after it was signed`,
    );
  }
  const manifest = parseManifest(received);
  const expected = verification.expectedStoredSha256?.toLowerCase();
  if (expected !== undefined && expected !== manifest.artifact.storedSha256) {
    throw new ManifestRejectedError(
      'checksum-mismatch',
      `backup ${manifest.backupId}: the manifest names artifact SHA-256 ${manifest.artifact.storedSha256}, expected ${expected}`,
    );
  }
  return manifest;
}

function ed25519Key(keyId: string, load: () => KeyObject, expected: string): KeyObject {
  let key: KeyObject;
  try {
    key = load();
  } catch (err) {
    throw new ManifestKeyError(keyId, `is not ${expected}`, err);
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new ManifestKeyError(keyId, `is not an Ed25519 key (its type is ${key.asymmetricKeyType ?? 'secret'})`);
  }
  return key;
}
