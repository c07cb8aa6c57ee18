import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { artifactServicesFromConfig } from '../../../adapters/config/artifact-services';
import type { Secret } from '../../../adapters/config/config';
import { classifyStorageError, TerminalStorageError } from '../../../adapters/storage/errors';
import { ENV_SETTINGS, type SettingsOrigin } from '../../../adapters/storage/settings-origin';

const dir = mkdtempSync(join(tmpdir(), 'pitr-storage-origin-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const masterKeyFile = join(dir, 'master.key');
writeFileSync(masterKeyFile, randomBytes(32).toString('base64'));
const secretFile = join(dir, 's3-secret');
writeFileSync(secretFile, 'from-a-file\n');

const where = { operation: 'list', bucket: 'backups', key: 'v2/' };

function sdkError(name: string, status: number): Error {
  return Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status } });
}

/** The origin the store of a configuration with this secret key carries. */
function configuredOrigin(secretAccessKey: Secret): SettingsOrigin {
  const storage = {
    endpoint: 'http://minio:9000',
    region: 'us-east-1',
    bucket: 'backups',
    prefix: 'v2/',
    accessKeyId: 'pitr-agent',
    secretAccessKey,
  };
  const services = artifactServicesFromConfig({ storage, masterKeyFile });
  try {
    assert.ok(services.store.origin);
    return services.store.origin;
  } finally {
    services.close();
  }
}

function hintOf(name: string, status: number, origin: SettingsOrigin): string {
  const err = classifyStorageError(sdkError(name, status), { ...where, origin });
  assert.ok(err instanceof TerminalStorageError);
  assert.deepEqual(
    Object.keys(err.failure).sort(),
    ['attempts', 'bucket', 'code', 'key', 'operation', 'status'],
    'the origin stays out of the failure record',
  );
  return err.hint ?? '';
}

describe('hints of refused storage credentials name where they came from', () => {
  it('the configuration key of the access key id and the file holding the secret key', () => {
    const hint = hintOf('InvalidAccessKeyId', 403, configuredOrigin({ file: secretFile }));
    assert.match(hint, /storage\.accessKeyId in the configuration \("pitr-agent"\)/);
    assert.match(hint, new RegExp(`the secret key in file ${secretFile} \\(named by storage\\.secretAccessKey in the configuration\\)`));
    assert.doesNotMatch(hint, /AWS_/);
  });

  it('the environment variable a configuration names, or the configuration key itself', () => {
    process.env.PITR_TEST_S3_SECRET = 'from-the-environment';
    assert.match(
      hintOf('SignatureDoesNotMatch', 403, configuredOrigin({ env: 'PITR_TEST_S3_SECRET' })),
      /the secret key in environment variable PITR_TEST_S3_SECRET \(named by storage\.secretAccessKey/,
    );
    assert.match(
      hintOf('AccessDenied', 403, configuredOrigin('inline-secret')),
      /the secret key in storage\.secretAccessKey in the configuration,/,
    );
  });

  it("the configuration's endpoint for a missing bucket", () => {
    const hint = hintOf('NoSuchBucket', 404, configuredOrigin('inline-secret'));
    assert.match(hint, /check that storage\.endpoint in the configuration \(http:\/\/minio:9000\) points at the right server/);
    assert.doesNotMatch(hint, /PITR_S3_ENDPOINT/);
  });

  it('the standard variables when the settings came from the environment', () => {
    assert.match(
      hintOf('InvalidAccessKeyId', 403, ENV_SETTINGS),
      /^check AWS_ACCESS_KEY_ID \/ AWS_SECRET_ACCESS_KEY, and that they may list under s3:\/\/backups\/$/,
    );
    assert.match(hintOf('NoSuchBucket', 404, ENV_SETTINGS), /PITR_S3_ENDPOINT/);
  });
});
