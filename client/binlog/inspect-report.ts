import { BinlogCorruptError } from '../../domain/binlog/errors';
import { formatBinlogTime } from '../../domain/binlog/time-format';
import type { BinlogSummary, BinlogTime, BinlogTransaction } from '../../domain/binlog/types';
import type { BufferedOutput } from './buffered-output';

/** Renders `pitr binlog inspect` output file by file, transactions streamed as they are read. */
export interface InspectReport {
  begin(file: string): void;
  transaction(transaction: BinlogTransaction): void;
  end(file: string, summary: BinlogSummary): void;
  fail(file: string, error: Error): void;
}

function time(value: BinlogTime | null): string | null {
  return value === null ? null : formatBinlogTime(value);
}

function summaryFields(summary: BinlogSummary): Record<string, unknown> {
  return {
    flavor: summary.flavor,
    serverVersion: summary.serverVersion,
    serverId: summary.serverId,
    checksum: summary.checksum,
    previousGtids: summary.previousGtids,
    gtids: summary.gtids,
    endPosition: summary.endPosition,
    firstGtid: summary.firstGtid,
    lastGtid: summary.lastGtid,
    firstEventTime: time(summary.firstEventTime),
    lastEventTime: time(summary.lastEventTime),
    firstCommitTime: time(summary.firstCommitTime),
    lastCommitTime: time(summary.lastCommitTime),
    transactions: summary.transactions,
    events: summary.events,
    bytes: summary.bytes,
    closed: summary.closed,
    rotateTo: summary.rotateTo,
    unfinishedTransactionAt: summary.unfinishedTransactionAt,
  };
}

function errorFields(error: Error): Record<string, unknown> {
  return error instanceof BinlogCorruptError ? { error: error.message, offset: error.offset } : { error: error.message };
}

/**
 * One JSON object per file and line. With transactions, the list is written as the reader
 * produces it (`transactionList` comes right after `file`), so memory stays flat however
 * many there are; a file that fails midway still closes its object, with `error`.
 */
export class JsonInspectReport implements InspectReport {
  private first = true;

  constructor(
    private readonly out: BufferedOutput,
    private readonly withTransactions: boolean,
  ) {}

  begin(file: string): void {
    if (!this.withTransactions) return;
    this.out.write(`{"file":${JSON.stringify(file)},"transactionList":[`);
    this.first = true;
  }

  transaction(trx: BinlogTransaction): void {
    if (!this.withTransactions) return;
    const entry = { gtid: trx.gtid, start: trx.start, end: trx.end, commitTime: formatBinlogTime(trx.commitTime) };
    this.out.write(`${this.first ? '' : ','}${JSON.stringify(entry)}`);
    this.first = false;
  }

  end(file: string, summary: BinlogSummary): void {
    this.close(file, summaryFields(summary));
  }

  fail(file: string, error: Error): void {
    this.close(file, errorFields(error));
  }

  private close(file: string, fields: Record<string, unknown>): void {
    if (this.withTransactions) this.out.write(`],${JSON.stringify(fields).slice(1)}\n`);
    else this.out.write(`${JSON.stringify({ file, ...fields })}\n`);
    this.out.flush();
  }
}

/** For people: a block per file, transactions (when asked) as a table before the summary. */
export class TableInspectReport implements InspectReport {
  constructor(
    private readonly out: BufferedOutput,
    private readonly withTransactions: boolean,
  ) {}

  begin(file: string): void {
    this.out.write(`${file}\n`);
    if (this.withTransactions) this.out.write(`  ${'START'.padStart(12)} ${'END'.padStart(12)}  ${'COMMIT TIME'.padEnd(27)}  GTID\n`);
  }

  transaction(trx: BinlogTransaction): void {
    if (!this.withTransactions) return;
    const when = formatBinlogTime(trx.commitTime).padEnd(27);
    this.out.write(`  ${String(trx.start).padStart(12)} ${String(trx.end).padStart(12)}  ${when}  ${trx.gtid ?? '(anonymous)'}\n`);
  }

  end(_file: string, s: BinlogSummary): void {
    const rows: [string, string][] = [
      ['server', `${s.flavor} ${s.serverVersion}, server id ${s.serverId}`],
      ['checksum', s.checksum],
      ['previous GTIDs', s.previousGtids || '(none)'],
      ['GTIDs', s.gtids || '(none)'],
      ['end position', s.endPosition || '(none)'],
      ['first GTID', s.firstGtid ?? '-'],
      ['last GTID', s.lastGtid ?? '-'],
      ['transactions', String(s.transactions)],
      ['first commit', time(s.firstCommitTime) ?? '-'],
      ['last commit', time(s.lastCommitTime) ?? '-'],
      ['first event', time(s.firstEventTime) ?? '-'],
      ['last event', time(s.lastEventTime) ?? '-'],
      ['events', String(s.events)],
      ['bytes', String(s.bytes)],
      ['closed', s.closed ? `yes${s.rotateTo ? `, continues in ${s.rotateTo}` : ', server stopped'}` : 'no (server had it open)'],
    ];
    if (s.unfinishedTransactionAt !== null) rows.push(['unfinished', `transaction at offset ${s.unfinishedTransactionAt} has no end yet`]);
    for (const [label, value] of rows) this.out.write(`  ${label.padEnd(15)} ${value}\n`);
    this.out.flush();
  }

  fail(): void {
    // The error itself goes to stderr; flush what was read before it so the two interleave sensibly.
    this.out.flush();
  }
}
