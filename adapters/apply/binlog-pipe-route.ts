import type { Connection } from 'mysql2/promise';
import type { GtidAlgebra } from '../../domain/gtid';
import { withDefaultsFile } from '../engines/defaults-file';
import { firstRow } from '../engines/sql-connection';
import type { DbConnection } from '../engines/types';
import { toolchain } from '../servers/toolchain';
import type { ApplyPlan, ApplyRun } from './apply-plan';
import { runPipe, type PipeCommand } from './process-pipe';
import { watchApply, type WatchOptions } from './progress-watch';
import { readExecutedGtids, rowsWritten } from './server-state';

/** mysqlbinlog prints all row events of one statement as one BINLOG statement: a big transaction needs a big packet. */
const MAX_PACKET_BYTES = 1024 * 1024 * 1024;

/**
 * The binlog tool's command for one run: from its first transaction in the first file (the
 * tool reads that file's Format_description first) to the end of its last transaction in the
 * last. `--start-position` applies to the first file named, `--stop-position` to the last.
 */
export function binlogToolCommand<T>(flavor: 'mysql' | 'mariadb', binary: string, run: ApplyRun<T>): PipeCommand {
  return {
    tool: flavor === 'mysql' ? 'mysqlbinlog' : 'mariadb-binlog',
    argv: [binary, `--start-position=${run.startOffset}`, `--stop-position=${run.stopOffset}`, ...run.files.map((f) => f.path)],
  };
}

/**
 * Route 2, the reference: `mysqlbinlog | mysql` (`mariadb-binlog | mariadb`), every file of a
 * run in one client session so session state (temporary tables, variables) crosses file
 * boundaries; runs break only where another server's file repeats history, which no session
 * of the old server crosses. Transactions keep their GTIDs; MySQL skips any already executed.
 * MariaDB records replayed GTIDs in its binlog position only, so `gtid_slave_pos` is brought
 * to the same point after.
 */
export async function applyThroughBinlogPipe<T extends GtidAlgebra<T>>(
  conn: Connection,
  db: DbConnection,
  plan: ApplyPlan<T>,
  watch: Omit<WatchOptions<T>, 'wake'>,
): Promise<void> {
  const flavor = watch.gtids.flavor;
  const tools = toolchain();
  const client = flavor === 'mysql' ? tools.mysql : tools.mariadb;
  const packet = await firstRow<{ bytes: number }>(conn, 'SELECT @@GLOBAL.max_allowed_packet AS bytes');
  await conn.query('SET GLOBAL max_allowed_packet = ?', [MAX_PACKET_BYTES]);
  const stopPipe = new AbortController();
  const cancel = (): void => stopPipe.abort();
  watch.signal?.addEventListener('abort', cancel, { once: true });
  let bytesPiped = 0;
  let outcome: { error?: unknown } | undefined;
  const piping = withDefaultsFile(db, async (defaultsFile) => {
    for (const run of plan.runs) {
      await runPipe(
        binlogToolCommand(flavor, flavor === 'mysql' ? tools.mysqlbinlog : tools.mariadbBinlog, run),
        {
          tool: flavor,
          argv: [client, `--defaults-extra-file=${defaultsFile}`, '--binary-mode', `--max-allowed-packet=${MAX_PACKET_BYTES}`],
        },
        (bytes) => (bytesPiped += bytes),
        stopPipe.signal,
      );
    }
  }).then(
    () => (outcome = {}),
    (error: unknown) => (outcome = { error }),
  );
  try {
    const executed = await watchApply({ ...watch, wake: piping }, async () => {
      const finished = outcome;
      if (finished?.error !== undefined) throw finished.error;
      return {
        executed: await readExecutedGtids(conn, flavor),
        activity: `${bytesPiped}|${await rowsWritten(conn)}`,
        done: finished !== undefined,
      };
    });
    if (flavor === 'mariadb') await conn.query('SET GLOBAL gtid_slave_pos = ?', [executed]);
  } finally {
    stopPipe.abort();
    await piping;
    watch.signal?.removeEventListener('abort', cancel);
    // Only a tuning value: failing to put it back must not hide how the apply went.
    await conn.query('SET GLOBAL max_allowed_packet = ?', [packet?.bytes ?? MAX_PACKET_BYTES]).catch(() => undefined);
  }
}
