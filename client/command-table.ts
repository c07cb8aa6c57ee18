import type { Command } from 'commander';

/**
 * Every top-level command with its one-line summary, and how to load it (synchronously, from the CommonJS build). A command's module
 * (and what it imports: the AWS SDK, the Temporal client, pg, mysql2) is loaded only when
 * that command runs, so `pitr --help` and every other command start without them.
 */
export interface CommandEntry {
  name: string;
  summary: string;
  load: () => Command;
}

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'dev',
    summary: 'the local stack: Temporal, MinIO, PostgreSQL catalog, MySQL 9.7, MariaDB',
    load: () => (require('./dev/command') as typeof import('./dev/command')).devCommand(),
  },
  {
    name: 'demo',
    summary: 'run the main job end to end on the local stack',
    load: () => (require('./demo/command') as typeof import('./demo/command')).demoCommand(),
  },
  {
    name: 'catalog',
    summary: 'the PostgreSQL catalog',
    load: () => (require('./catalog/command') as typeof import('./catalog/command')).catalogCommand(),
  },
  {
    name: 'cluster',
    summary: 'clusters the product backs up',
    load: () => (require('./cluster/command') as typeof import('./cluster/command')).clusterCommand(),
  },
  {
    name: 'backup',
    summary: 'take a base backup of a cluster now',
    load: () => (require('./backup/command') as typeof import('./backup/command')).backupCommand(),
  },
  {
    name: 'backups',
    summary: 'base backups in the catalog',
    load: () => (require('./backup/command') as typeof import('./backup/command')).backupsCommand(),
  },
  {
    name: 'worker',
    summary: 'run the central worker (workflows, catalog and storage activities, verification)',
    load: () => (require('./worker/command') as typeof import('./worker/command')).workerCommand(),
  },
  {
    name: 'agent',
    summary: "run the agent on a database host: its cluster's backup and archive activities",
    load: () => (require('./worker/command') as typeof import('./worker/command')).agentCommand(),
  },
  {
    name: 'schedule',
    summary: 'Temporal Schedules: nightly base backups, binlog archive passes, restore verification',
    load: () => (require('./schedule/command') as typeof import('./schedule/command')).scheduleCommand(),
  },
  {
    name: 'status',
    summary: 'last backup, archive RPO, gaps and last pass (with its error), last restore, and any running or stuck workflow of a cluster',
    load: () => (require('./status/command') as typeof import('./status/command')).statusCommand(),
  },
  {
    name: 'gtid',
    summary: 'compute with GTID sets (MySQL) and GTID positions (MariaDB); results are printed in canonical form',
    load: () => (require('./gtid/command') as typeof import('./gtid/command')).gtidCommand(),
  },
  {
    name: 'binlog',
    summary: 'read binlog files (MySQL 8.0+ and MariaDB 10.x) without a server',
    load: () => (require('./binlog/command') as typeof import('./binlog/command')).binlogCommand(),
  },
  {
    name: 'artifact',
    summary: 'compressed, encrypted, verifiable artifacts in S3-compatible storage',
    load: () => (require('./artifact/command') as typeof import('./artifact/command')).artifactCommand(),
  },
  {
    name: 'binlogs',
    summary: 'the archived binlog stream of a cluster',
    load: () => (require('./binlogs/command') as typeof import('./binlogs/command')).binlogsCommand(),
  },
  {
    name: 'recoverable',
    summary: 'the windows a cluster can be restored to, every gap, and the RPO',
    load: () => (require('./binlogs/command') as typeof import('./binlogs/command')).recoverableCommand(),
  },
  {
    name: 'plan',
    summary: 'plan a point-in-time restore without running it',
    load: () => (require('./restore/command') as typeof import('./restore/command')).planCommand(),
  },
  {
    name: 'restore',
    summary: 'restore a cluster to an instant, a GTID set or latest, on an ephemeral instance',
    load: () => (require('./restore/command') as typeof import('./restore/command')).restoreCommand(),
  },
  {
    name: 'repo',
    summary: 'the object storage repository, checked against the catalog',
    load: () => (require('./repo/command') as typeof import('./repo/command')).repoCommand(),
  },
  {
    name: 'tenant',
    summary: 'operations on a whole tenant',
    load: () => (require('./tenant/command') as typeof import('./tenant/command')).tenantCommand(),
  },
  {
    name: 'legacy',
    summary: "an older system's archive under its own prefix, during a migration",
    load: () => (require('./legacy/command') as typeof import('./legacy/command')).legacyCommand(),
  },
  {
    name: 'expire',
    summary: "remove the backups and archived binlogs a cluster's retention policy no longer keeps",
    load: () => (require('./expire/command') as typeof import('./expire/command')).expireCommand(),
  },
];
