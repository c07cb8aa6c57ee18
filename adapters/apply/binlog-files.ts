import { basename } from 'node:path';
import { binlogFileSource, indexBinlog } from '../../domain/binlog/reader';
import type { BinlogSummary, BinlogTransaction } from '../../domain/binlog/types';

/** A binlog file on local disk with what it holds, transaction by transaction. */
export interface IndexedBinlog {
  path: string;
  summary: BinlogSummary;
  transactions: BinlogTransaction[];
}

/** Reads every file end to end (checksums verified), one after the other. */
export async function indexBinlogFiles(paths: readonly string[]): Promise<IndexedBinlog[]> {
  const indexed: IndexedBinlog[] = [];
  for (const path of paths) {
    const { summary, transactions } = await indexBinlog(binlogFileSource(path), { name: basename(path) });
    indexed.push({ path, summary, transactions });
  }
  return indexed;
}
