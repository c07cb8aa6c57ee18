import { Command } from 'commander';
import { userInfo } from 'node:os';
import { artifactServicesFromConfig } from '../../adapters/config/artifact-services';
import { eraseTenant, type TenantErasureOutcome } from './erase-tenant';
import { checkTenantId } from '../../adapters/keys/tenant-id';
import type { RewrapSummary } from '../../adapters/keys/tenant-keys';
import { InvalidInputError } from '../../domain/errors';
import { loadCliConfig, printJsonOr, withCatalog } from '../config';

interface EraseOptions {
  tenant: string;
  confirm?: string;
  reason: string;
  by?: string;
  json?: boolean;
  config?: string;
}

interface RewrapOptions {
  tenant?: string;
  all?: boolean;
  json?: boolean;
  config?: string;
}

function rewrapText(s: RewrapSummary): string {
  const list = (tenants: string[]): string => (tenants.length === 0 ? 'none' : tenants.join(', '));
  return [
    `re-wrapped under master key ${s.masterKeyId}: ${list(s.rewrapped)}`,
    `already under it, or erased: ${list(s.unchanged)}`,
    'no artifact was rewritten; once every tenant is re-wrapped, previous master keys can be removed from the configuration',
  ].join('\n');
}

function erasureText(o: TenantErasureOutcome): string {
  const e = o.erasure;
  const what = o.alreadyRecorded
    ? `tenant ${e.tenantId} was already erased at ${e.erasedAt} by ${e.erasedBy} (${e.reason}); nothing changed`
    : `tenant ${e.tenantId} erased at ${e.erasedAt} by ${e.erasedBy} (${e.reason})${o.keyAlreadyErased ? ': its key had already been destroyed, the erasure is now recorded' : ''}`;
  const versions = o.olderKeyVersionsDeleted > 0 ? ` (with ${o.olderKeyVersionsDeleted} older versions of its record the bucket kept)` : '';
  return `${what}\ndata key ${e.dataKeyId ?? '(none: the tenant never had one)'} is destroyed${versions}: its backups and binlogs can no longer be decrypted, and no new ones are taken`;
}

/** `pitr tenant`: operations on a whole tenant. */
export function tenantCommand(): Command {
  const tenant = new Command('tenant').description('operations on a whole tenant');
  tenant
    .command('erase')
    .description(
      "cryptographic erasure: destroy the tenant's data key so that every backup and binlog of it is unreadable for good, and record when, by whom and why",
    )
    .requiredOption('--tenant <id>', 'the tenant to erase')
    .option('--confirm <id>', 'the tenant id again: erasure cannot be undone')
    .requiredOption('--reason <text>', 'why, for the record (a ticket, a contract end)')
    .option('--by <name>', 'who erases, for the record (default: the OS user)')
    .option('--json')
    .option('--config <file>', 'central configuration file')
    .action(async (o: EraseOptions) => {
      checkTenantId(o.tenant);
      if (o.confirm !== o.tenant) {
        throw new InvalidInputError(`erasing tenant ${o.tenant} needs --confirm ${o.tenant}`, {
          hint: "erasure destroys the tenant's data key: none of its backups or binlogs can be restored afterwards, ever. Repeat the tenant id with --confirm when that is what you mean",
        });
      }
      const erasedBy = (o.by ?? userInfo().username).trim();
      if (erasedBy === '' || o.reason.trim() === '') {
        throw new InvalidInputError('an erasure is recorded with who did it and why', {
          hint: 'give a non-empty --reason (and --by if the OS user is not the right name)',
        });
      }
      const config = loadCliConfig(o.config);
      const services = artifactServicesFromConfig(config);
      try {
        const outcome = await withCatalog(config, (catalog) =>
          eraseTenant(catalog, services, { tenantId: o.tenant, erasedBy, reason: o.reason.trim() }),
        );
        printJsonOr(o.json, outcome, erasureText);
      } finally {
        services.close();
      }
    });
  tenant
    .command('rewrap-keys')
    .description(
      "master key rotation: re-wrap tenants' data keys under the configured master key (masterKeyFile), unwrapping them with it or one of previousMasterKeys; artifacts are not rewritten",
    )
    .option('--tenant <id>', 'only this tenant')
    .option('--all', 'every tenant in the key store')
    .option('--json')
    .option('--config <file>', 'central configuration file')
    .action(async (o: RewrapOptions) => {
      if (!!o.tenant === !!o.all) {
        throw new InvalidInputError('pitr tenant rewrap-keys needs exactly one of --tenant ID and --all', {
          hint: 'use --all to finish a master key rotation, --tenant ID to re-wrap one tenant first',
        });
      }
      if (o.tenant) checkTenantId(o.tenant);
      const services = artifactServicesFromConfig(loadCliConfig(o.config));
      try {
        printJsonOr(o.json, await services.keys.rewrapUnderCurrentMasterKey(o.tenant ? [o.tenant] : undefined), rewrapText);
      } finally {
        services.close();
      }
    });
  return tenant;
}
