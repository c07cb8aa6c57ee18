import { readFileSync } from 'node:fs';
import { InvalidInputError } from '../../domain/errors';
import { MissingSettingError } from '../storage/config';
import { LocalKeyProvider } from './local-key-provider';

/** The master key from PITR_MASTER_KEY (base64) or the file named by PITR_MASTER_KEY_FILE. */
export function masterKeyFromEnv(env: NodeJS.ProcessEnv = process.env): LocalKeyProvider {
  const inline = env.PITR_MASTER_KEY?.trim();
  const file = env.PITR_MASTER_KEY_FILE?.trim();
  if (inline && file) {
    throw new InvalidInputError('both PITR_MASTER_KEY and PITR_MASTER_KEY_FILE are set', {
      hint: 'unset one of them so that it is unambiguous which master key is in use',
    });
  }
  if (inline) return LocalKeyProvider.fromBase64(inline, 'PITR_MASTER_KEY');
  if (!file) {
    throw new MissingSettingError(
      'PITR_MASTER_KEY',
      'the master key (base64 of 32 bytes; or name a file holding it with PITR_MASTER_KEY_FILE)',
      '"$(openssl rand -base64 32)"',
    );
  }
  return keyFromFile('PITR_MASTER_KEY_FILE', file);
}

/** Master keys being rotated away from, from PITR_PREVIOUS_MASTER_KEY_FILES (files, comma-separated): they only unwrap. */
export function previousMasterKeysFromEnv(env: NodeJS.ProcessEnv = process.env): LocalKeyProvider[] {
  const files = (env.PITR_PREVIOUS_MASTER_KEY_FILES ?? '')
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f !== '');
  return files.map((file) => keyFromFile('PITR_PREVIOUS_MASTER_KEY_FILES', file));
}

function keyFromFile(setting: string, file: string): LocalKeyProvider {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InvalidInputError(`${setting}=${file} cannot be read: ${(err as Error).message}`, {
      hint: 'point it at a readable file holding the base64 master key',
      cause: err,
    });
  }
  return LocalKeyProvider.fromBase64(text, `${setting} ${file}`);
}
