import { InvalidInputError } from '../../domain/errors';
import type { Flavor } from '../../domain/backup';
import { ENGINE_FLAVOR, type EngineName } from './types';

/** One privilege the agent needs, and the step of the product that uses it. */
interface Need {
  privilege: string;
  why: string;
}

/**
 * What the agent does on the source, in every backup whatever the engine: phase 1 sizes the
 * data and looks for long DDL and lock waiters; phase 3 reads the binlog state and closes the
 * binlog holding the coordinate.
 */
const EVERY_BACKUP: Record<Flavor, Need[]> = {
  mysql: [
    { privilege: 'PROCESS', why: 'phase 1 finds long DDL and lock waiters in the processlist' },
    { privilege: 'REPLICATION CLIENT', why: 'SHOW BINARY LOGS and SHOW BINARY LOG STATUS when the coordinate is captured' },
    { privilege: 'RELOAD', why: 'FLUSH BINARY LOGS closes the binlog that holds the coordinate' },
  ],
  mariadb: [
    { privilege: 'PROCESS', why: 'phase 1 finds long DDL and lock waiters in the processlist' },
    { privilege: 'BINLOG MONITOR', why: 'SHOW BINARY LOGS and SHOW BINLOG STATUS when the coordinate is captured' },
    { privilege: 'RELOAD', why: 'FLUSH BINARY LOGS closes the binlog that holds the coordinate' },
  ],
};

const BY_ENGINE: Record<EngineName, Need[]> = {
  clone: [
    { privilege: 'BACKUP_ADMIN', why: 'CLONE LOCAL DATA DIRECTORY' },
    { privilege: 'SELECT', why: 'sizing the data (information_schema.TABLES) and lock waiters and clone progress (performance_schema)' },
    {
      privilege: 'SYSTEM_VARIABLES_ADMIN',
      why: 'the I/O throttle sets clone_max_data_bandwidth and clone_max_concurrency for the clone, and puts them back',
    },
  ],
  mysqldump: [
    { privilege: 'SELECT', why: 'reading every table, and the accounts in the mysql schema' },
    { privilege: 'SHOW VIEW', why: 'dumping views' },
    { privilege: 'TRIGGER', why: 'dumping triggers' },
    { privilege: 'EVENT', why: 'dumping scheduled events' },
    { privilege: 'LOCK TABLES', why: 'mysqldump --single-transaction --source-data' },
    { privilege: 'BACKUP_ADMIN', why: 'LOCK INSTANCE FOR BACKUP holds DDL off for the dump, without blocking writes' },
  ],
  xtrabackup: [
    { privilege: 'BACKUP_ADMIN', why: 'LOCK INSTANCE FOR BACKUP' },
    { privilege: 'SELECT', why: 'sizing the data and reading performance_schema.log_status' },
    { privilege: 'LOCK TABLES', why: 'xtrabackup locks non-InnoDB tables' },
  ],
  'mariadb-dump': [
    { privilege: 'SELECT', why: 'reading every table, and the accounts in the mysql schema' },
    { privilege: 'SHOW VIEW', why: 'dumping views' },
    { privilege: 'TRIGGER', why: 'dumping triggers' },
    { privilege: 'EVENT', why: 'dumping scheduled events' },
    { privilege: 'LOCK TABLES', why: 'mariadb-dump --single-transaction --master-data' },
  ],
  'mariadb-backup': [
    { privilege: 'SELECT', why: 'sizing the data (information_schema.TABLES)' },
    { privilege: 'LOCK TABLES', why: 'mariadb-backup locks non-InnoDB tables' },
  ],
};

/**
 * The archive: lists and closes binlogs, reads their first events; the agent reads the files
 * themselves from the binlog directory, or receives them over the replication protocol (a
 * cluster registered with --archive stream).
 */
const ARCHIVE: Record<Flavor, Need[]> = {
  mysql: [
    { privilege: 'REPLICATION CLIENT', why: 'SHOW BINARY LOGS' },
    {
      privilege: 'REPLICATION SLAVE',
      why: 'SHOW BINLOG EVENTS reads the first events of each binlog (a rewritten one is caught); a binlog stream receives them as a replica does',
    },
    { privilege: 'RELOAD', why: 'FLUSH BINARY LOGS closes a binlog older than the cluster RPO' },
  ],
  mariadb: [
    { privilege: 'BINLOG MONITOR', why: 'SHOW BINARY LOGS and SHOW BINLOG EVENTS' },
    { privilege: 'REPLICATION SLAVE', why: 'a binlog stream (--archive stream) receives the binlogs as a replica does' },
    { privilege: 'RELOAD', why: 'FLUSH BINARY LOGS closes a binlog older than the cluster RPO' },
  ],
};

export interface GrantsRequest {
  flavor: Flavor;
  engine: EngineName;
  archive: boolean;
  user: string;
  host: string;
}

function quoted(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/**
 * The statements that create the agent's account with exactly the privileges its backups (and
 * archive passes) use on a source of `flavor`, each privilege commented with what uses it.
 * MariaDB's BACKUP STAGE (holding DDL off for a dump) needs RELOAD, which every backup has.
 */
export function agentGrants(request: GrantsRequest): string {
  const { flavor, engine, archive, user, host } = request;
  if (ENGINE_FLAVOR[engine] !== flavor) {
    throw new InvalidInputError(`the ${engine} engine backs up ${ENGINE_FLAVOR[engine]}, not ${flavor}`, {
      hint: `pick an engine for ${flavor}: ${Object.entries(ENGINE_FLAVOR)
        .filter(([, f]) => f === flavor)
        .map(([e]) => e)
        .join(', ')}`,
    });
  }
  const needs = new Map<string, string[]>();
  for (const need of [...EVERY_BACKUP[flavor], ...BY_ENGINE[engine], ...(archive ? ARCHIVE[flavor] : [])]) {
    needs.set(need.privilege, [...(needs.get(need.privilege) ?? []), need.why]);
  }
  const account = `${quoted(user)}@${quoted(host)}`;
  return [
    `-- the pitr agent's account for ${engine} backups${archive ? ' and the binlog archive' : ''} on ${flavor}; set its password in the agent's database.password`,
    `CREATE USER IF NOT EXISTS ${account} IDENTIFIED BY '<password>';`,
    ...[...needs].map(([privilege, why]) => `-- ${privilege}: ${why.join('; ')}`),
    `GRANT ${[...needs.keys()].join(', ')} ON *.* TO ${account};`,
    ...(archive
      ? [`-- the archive also reads the binlog files: the agent's OS user needs read access to the binlog directory (log_bin_basename)`]
      : []),
  ].join('\n');
}
