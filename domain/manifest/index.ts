// The pure part only, importable from workflow code; signing lives in ./signature (node:crypto).
export { canonicalJson } from './canonical-json';
export { ManifestInvalidError, ManifestKeyError, ManifestRejectedError, type ManifestIssue, type ManifestRejection } from './errors';
export { parseManifest, parseSignedManifestEnvelope } from './parse';
export {
  MANIFEST_SCHEMA_VERSION,
  manifestSchema,
  type Manifest,
  type ManifestInput,
  type ManifestSignature,
  type MariadbManifest,
  type MysqlManifest,
  type SignedManifest,
} from './schema';
