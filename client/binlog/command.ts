import { Command } from 'commander';
import { InvalidInputError } from '../../domain/errors';
import { binlogFileSource, readBinlog } from '../../domain/binlog/reader';
import { reportCliError } from '../cli-errors';
import { BufferedOutput } from './buffered-output';
import { type InspectReport, JsonInspectReport, TableInspectReport } from './inspect-report';

class BinlogFileUnreadableError extends InvalidInputError {}

/** Reads one file into the report; returns the exit code it deserves (0 when sound). */
async function inspectFile(file: string, report: InspectReport): Promise<number> {
  report.begin(file);
  try {
    const summary = await readBinlog(binlogFileSource(file), { name: file, onTransaction: (trx) => report.transaction(trx) });
    report.end(file, summary);
    return 0;
  } catch (err) {
    const error = isFileSystemError(err)
      ? new BinlogFileUnreadableError(`cannot read ${file}: ${err.message}`, { hint: 'check the path and its permissions' })
      : err;
    report.fail(file, error instanceof Error ? error : new Error(String(error)));
    return reportCliError(error);
  }
}

function isFileSystemError(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string';
}

const GTID_FIELDS_HELP = `
GTID fields:
  previousGtids  what the server had logged before the file: MySQL's Previous-GTIDs set;
                 MariaDB's Gtid list, a binlog state (several server ids per domain, each
                 domain's most recent GTID last), as the event holds it
  gtids          exactly the transactions in the file. MySQL: their GTID set. MariaDB:
                 per domain and server id, runs of sequence numbers, domain-server-first..last
                 (domain-server-seq for one), e.g. 0-11-2152..2453,1-11-7; this is not a
                 position, which MariaDB reads as every transaction up to it
  endPosition    where the server stood when the file ended. MySQL: gtid_executed
                 (previousGtids plus gtids). MariaDB: gtid_binlog_pos, per domain the last
                 GTID logged, from the file or else from its Gtid list
  firstGtid, lastGtid  the file's first and last transaction, in file order
`;

export function binlogCommand(): Command {
  const binlog = new Command('binlog').description('read binlog files (MySQL 8.0+ and MariaDB 10.x) without a server');
  binlog
    .command('inspect')
    .description('verify binlog files end to end (magic, format description, every CRC32) and summarise their GTIDs and transactions')
    .argument('<files...>', 'binlog files to read')
    .option('--json', 'one JSON object per file, one per line')
    .option('--transactions', 'also list every transaction: GTID, start and end byte offsets, commit time')
    .addHelpText('after', GTID_FIELDS_HELP)
    .action(async (files: string[], options: { json?: boolean; transactions?: boolean }) => {
      const out = new BufferedOutput((text) => process.stdout.write(text));
      const withTransactions = options.transactions === true;
      const report = options.json ? new JsonInspectReport(out, withTransactions) : new TableInspectReport(out, withTransactions);
      let exitCode = 0;
      for (const file of files) exitCode = Math.max(exitCode, await inspectFile(file, report));
      out.flush();
      if (exitCode !== 0) process.exitCode = exitCode;
    });
  return binlog;
}
