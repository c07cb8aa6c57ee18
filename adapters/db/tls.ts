import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'mysql2';
import type { Flavor } from '../../domain/backup';

/**
 * TLS to a source server, as the agent's `database.tls` sets it: always encrypted; with a CA
 * the server's certificate is verified, and with `verifyIdentity` also its name against the
 * host the agent connects to. `flavor` picks the option names of that flavor's own tools.
 */
export interface DbTls {
  flavor: Flavor;
  caFile?: string | undefined;
  certFile?: string | undefined;
  keyFile?: string | undefined;
  verifyIdentity: boolean;
}

/** mysql2's options for `tls`. */
export function driverTls(tls: DbTls): NonNullable<ConnectionOptions['ssl']> {
  const read = (file: string | undefined) => (file === undefined ? undefined : readFileSync(file));
  return {
    ...(tls.caFile ? { ca: read(tls.caFile) } : {}),
    ...(tls.certFile ? { cert: read(tls.certFile) } : {}),
    ...(tls.keyFile ? { key: read(tls.keyFile) } : {}),
    rejectUnauthorized: tls.caFile !== undefined,
    verifyIdentity: tls.caFile !== undefined && tls.verifyIdentity,
  };
}

/** The `[client]` option-file lines that make the flavor's tools (mysqldump, mariadb-dump, mariadb-backup, ...) connect the same way. */
export function toolTlsOptions(tls: DbTls): string[] {
  const files = [
    ...(tls.caFile ? [['ssl-ca', tls.caFile]] : []),
    ...(tls.certFile ? [['ssl-cert', tls.certFile]] : []),
    ...(tls.keyFile ? [['ssl-key', tls.keyFile]] : []),
  ].map(([option, file]) => `${option}=${file}`);
  if (tls.flavor === 'mysql') {
    const mode = tls.caFile === undefined ? 'REQUIRED' : tls.verifyIdentity ? 'VERIFY_IDENTITY' : 'VERIFY_CA';
    return [`ssl-mode=${mode}`, ...files];
  }
  // MariaDB's tools have no ssl-mode: `ssl` requires TLS, the server's certificate is checked against ssl-ca.
  return [
    'ssl',
    ...files,
    ...(tls.caFile !== undefined && tls.verifyIdentity ? ['ssl-verify-server-cert'] : ['disable-ssl-verify-server-cert']),
  ];
}
