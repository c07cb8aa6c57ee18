/**
 * Where a store's settings were read from (environment variables, or a configuration file's
 * keys and the secret sources they name), so that a hint names what the operator must change.
 */
export interface SettingsOrigin {
  credentials: string;
  endpoint: string;
}

export const ENV_SETTINGS: SettingsOrigin = { credentials: 'AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY', endpoint: 'PITR_S3_ENDPOINT' };

/** What a store built without saying where its settings came from (a test's, a bench's) can say. */
export const UNNAMED_SETTINGS: SettingsOrigin = {
  credentials: 'the access key id and secret key the store was given',
  endpoint: 'its endpoint',
};

/** Names an object-storage call and, for hints, where the store's settings came from. */
export interface StorageCall {
  operation: string;
  bucket: string;
  key: string;
  origin?: SettingsOrigin;
}
