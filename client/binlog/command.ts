import { Command } from 'commander';
import { InvalidInputError } from '../../domain/errors';
import { binlogFileSource, readBinlog } from '../../domain/binlog/reader';
import { reportCliError } from '../cli-errors';
import { BufferedOutput } from './buffered-output';
import { InspectReport, JsonInspectReport, TableInspectReport } from './inspect-report';

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

export function binlogCommand(): Command {
  const binlog = new Command('binlog').description('read binlog files (MySQL 8.0+ and MariaDB 10.x) without a server');
  binlog
    .command('inspect')
    .description('verify binlog files end to end (magic, format description, every CRC32) and summarise their GTIDs and transactions')
    .argument('<files...>', 'binlog files to read')
    .option('--json', 'one JSON object per file, one per line')
    .option('--transactions', 'also list every transaction: GTID, start and end byte offsets, commit time')
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
