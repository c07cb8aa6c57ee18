import { InvalidInputError } from '../../domain/errors';

const TENANT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Tenant ids name object keys and key records, so they are restricted to a safe alphabet. */
export function checkTenantId(tenant: string): string {
  if (!TENANT_ID.test(tenant)) {
    throw new InvalidInputError(`"${tenant}" is not a valid tenant id`, {
      hint: 'use 1 to 128 letters, digits, dots, dashes or underscores, starting with a letter or digit',
    });
  }
  return tenant;
}
