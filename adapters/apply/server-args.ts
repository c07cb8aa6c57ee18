import { join } from 'node:path';
import type { Flavor } from '../servers/db-instance';

const DEFAULT_APPLIER_WORKERS = 4;

/**
 * Server options a restored instance needs so `applyBinlogs` can use its replication applier:
 * a relay log in `<dir>/relay/`, no replication thread started at boot (the relay log holds
 * binlogs of a server it must not connect to), parallel workers committing in binlog order,
 * every event's checksum verified, and applied transactions written to the instance's own
 * binlog under their original GTIDs.
 */
export function applierServerArgs(flavor: Flavor, dir: string, options: { parallelWorkers?: number } = {}): string[] {
  const workers = options.parallelWorkers ?? DEFAULT_APPLIER_WORKERS;
  const relay = [
    `--relay-log=${join(dir, 'relay', 'relay-bin')}`,
    `--relay-log-index=${join(dir, 'relay', 'relay-bin.index')}`,
    '--relay-log-recovery=OFF',
  ];
  if (flavor === 'mysql') {
    return [
      ...relay,
      '--skip-replica-start',
      `--replica-parallel-workers=${workers}`,
      '--replica-preserve-commit-order=ON',
      '--replica-sql-verify-checksum=ON',
      '--log-replica-updates=ON',
    ];
  }
  // MariaDB commits in binlog order in every parallel mode; optimistic runs non-conflicting transactions side by side.
  return [
    ...relay,
    '--skip-slave-start',
    `--slave-parallel-threads=${workers}`,
    '--slave-parallel-mode=optimistic',
    '--slave-sql-verify-checksum=ON',
    '--log-slave-updates=ON',
  ];
}
