import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { Catalog } from '../adapters/catalog/catalog';
import { type CentralConfig, ConfigError, loadCentralConfig, resolveSecret } from '../adapters/config/config';
import { devStateDir } from './dev/state-dir';

/** `--config`, else PITR_CONFIG, else the local stack's central configuration. */
export function centralConfigFile(option: string | undefined): string {
  const file = option ?? process.env.PITR_CONFIG ?? join(devStateDir(), 'central.json');
  if (!existsSync(file)) {
    throw new ConfigError(`no configuration at ${file}`, {
      hint: 'pass --config FILE, set PITR_CONFIG, or start the local stack with `pitr dev up`',
    });
  }
  return file;
}

export function loadCliConfig(option: string | undefined): CentralConfig {
  return loadCentralConfig(centralConfigFile(option));
}

export async function withCatalog<T>(config: CentralConfig, fn: (catalog: Catalog) => Promise<T>): Promise<T> {
  const catalog = Catalog.open(resolveSecret(config.catalogUrl));
  try {
    return await fn(catalog);
  } finally {
    await catalog.close();
  }
}

export async function withTemporal<T>(config: CentralConfig, fn: (client: Client) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address: config.temporal.address });
  try {
    return await fn(new Client({ connection, namespace: config.temporal.namespace }));
  } finally {
    await connection.close();
  }
}

export function printJsonOr<T>(json: boolean | undefined, value: T, text: (v: T) => string): void {
  process.stdout.write(json ? `${JSON.stringify(value)}\n` : `${text(value)}\n`);
}
