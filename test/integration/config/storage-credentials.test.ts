import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import type { CentralConfig } from '../../../adapters/config/config';
import { testStack } from '../../harness/env';
import { centralConfig } from '../../harness/workers';

const cli = resolve(__dirname, '../../../client/cli.js');
const dir = mkdtempSync(join(testStack().stateDir, 'storage-credentials-'));

function pitr(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [cli, ...args], { env: { ...process.env, ...env }, timeout: 60_000 }, (err, _stdout, stderr) => {
      done({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stderr });
    });
  });
}

/** The test stack's central configuration with other storage credentials, in a file of its own. */
function centralWith(name: string, storage: Partial<CentralConfig['storage']>): string {
  const config = centralConfig();
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ ...config, storage: { ...config.storage, ...storage } }));
  return file;
}

function assertRefusedCredentials(run: { code: number | null; stderr: string }): string {
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, /the storage refused our credentials/);
  assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
  const hint = /\n {2}what to do: (.*)\n/.exec(run.stderr)?.[1];
  assert.ok(hint, run.stderr);
  return hint;
}

describe('the hint of credentials MinIO refuses names where they came from', { concurrency: true }, () => {
  test('an access key id from the configuration: its key, not AWS_ACCESS_KEY_ID', async () => {
    const hint = assertRefusedCredentials(
      await pitr(['repo', 'check', '--config', centralWith('wrong-key-id', { accessKeyId: 'no-such-access-key' })]),
    );
    assert.match(
      hint,
      /^check storage\.accessKeyId in the configuration \("no-such-access-key"\) and the secret key in storage\.secretAccessKey in the configuration, and that they may /,
    );
    assert.doesNotMatch(hint, /AWS_/);
  });

  test('a secret key from an environment variable the configuration names: that variable', async () => {
    const file = centralWith('wrong-secret-env', { secretAccessKey: { env: 'PITR_TEST_WRONG_S3_SECRET' } });
    const hint = assertRefusedCredentials(
      await pitr(['repo', 'check', '--config', file], { PITR_TEST_WRONG_S3_SECRET: 'not-the-secret-key' }),
    );
    assert.match(
      hint,
      /the secret key in environment variable PITR_TEST_WRONG_S3_SECRET \(named by storage\.secretAccessKey in the configuration\)/,
    );
    assert.doesNotMatch(hint, /AWS_/);
  });

  test('credentials from the standard variables (pitr artifact verify): those variables', async () => {
    const { s3 } = testStack();
    const run = await pitr(['artifact', 'verify', `s3://${s3.bucket}/it-storage-credentials/any.pitr`], {
      PITR_S3_ENDPOINT: s3.endpoint,
      AWS_ACCESS_KEY_ID: 'no-such-access-key',
      AWS_SECRET_ACCESS_KEY: 'not-the-secret-key',
      PITR_MASTER_KEY: randomBytes(32).toString('base64'),
    });
    assert.match(assertRefusedCredentials(run), /^check AWS_ACCESS_KEY_ID \/ AWS_SECRET_ACCESS_KEY, and that they may /);
  });
});
