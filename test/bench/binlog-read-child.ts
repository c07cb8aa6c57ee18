import { binlogFileSource, readBinlog } from '../../domain/binlog/reader';

/**
 * Reads one binlog, indexing every transaction, in a process of its own so its peak RSS
 * is the reader's alone; prints one JSON line with the time, counts and peak RSS.
 */
async function main(file: string): Promise<void> {
  let transactions = 0;
  let lastEnd = 0;
  const started = process.hrtime.bigint();
  const summary = await readBinlog(binlogFileSource(file), {
    onTransaction: (trx) => {
      transactions++;
      lastEnd = trx.end;
    },
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.stdout.write(
    `${JSON.stringify({ seconds, bytes: summary.bytes, events: summary.events, transactions, lastEnd, maxRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`,
  );
}

main(process.argv[2] ?? '').catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
