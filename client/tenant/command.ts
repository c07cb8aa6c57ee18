import { Command } from 'commander';
import { userInfo } from 'node:os';
import { artifactServicesFromConfig } from '../../activities/config/artifact-services';
import { eraseTenant, type TenantErasureOutcome } from '../../activities/keys/erase-tenant';
import { checkTenantId } from '../../activities/keys/tenant-id';
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
    .description('cryptographic erasure: destroy the tenant\'s data key so that every backup and binlog of it is unreadable for good, and record when, by whom and why')
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
          hint: 'erasure destroys the tenant\'s data key: none of its backups or binlogs can be restored afterwards, ever. Repeat the tenant id with --confirm when that is what you mean',
        });
      }
      const erasedBy = (o.by ?? userInfo().username).trim();
      if (erasedBy === '' || o.reason.trim() === '') {
        throw new InvalidInputError('an erasure is recorded with who did it and why', { hint: 'give a non-empty --reason (and --by if the OS user is not the right name)' });
      }
      const config = loadCliConfig(o.config);
      const services = artifactServicesFromConfig(config);
      try {
        const outcome = await withCatalog(config, (catalog) => eraseTenant(catalog, services, { tenantId: o.tenant, erasedBy, reason: o.reason.trim() }));
        printJsonOr(o.json, outcome, erasureText);
      } finally {
        services.close();
      }
    });
  return tenant;
}
