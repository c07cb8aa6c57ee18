import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/** What `mysqlbinlog` / `mariadb-binlog` print about one binlog, parsed from their text. */
export interface ToolView {
  events: { at: number; end: number; seconds: number; description: string }[];
  /** MySQL: Previous-GTIDs text; MariaDB: Gtid list entries joined by commas. */
  previousGtids: string;
  transactions: { gtid: string; start: number; end: number; commitMicros: number; declaredLength: number | undefined }[];
  rotateTo: string | null;
  checksummed: boolean;
}

const HEADER = /^#(\d\d)(\d\d)(\d\d) +(\d+):(\d\d):(\d\d) server id \d+ +end_log_pos (\d+)( CRC32 0x[0-9a-f]{8})? *\t?(.*)$/;

/**
 * Runs the server's own decoder (times in UTC; `decoderArgs` before the file, e.g. `-vv`,
 * which adds the rows as comments) and derives each transaction: from its
 * GTID event to the last event before the next GTID, Binlog checkpoint, Rotate or Stop
 * event; MySQL commit times from the `# immediate_commit_timestamp=` comments, MariaDB
 * ones from the header of the transaction's last event.
 */
export async function toolView(tool: string, file: string, flavor: 'mysql' | 'mariadb', decoderArgs: string[] = []): Promise<ToolView> {
  const { stdout } = await promisify(execFile)(tool, [...decoderArgs, file], {
    env: { ...process.env, TZ: 'UTC' },
    maxBuffer: 1024 * 1024 * 1024,
  });
  const lines = stdout.split('\n');
  const ats: number[] = [];
  const headers: { end: number; seconds: number; description: string; checksummed: boolean; line: number }[] = [];
  for (const [i, line] of lines.entries()) {
    const at = /^# at (\d+)$/.exec(line);
    if (at) ats.push(Number(at[1]));
    const h = HEADER.exec(line);
    if (h) {
      const [, yy, mo, dd, hh, mi, ss, end, crc, description] = h;
      const seconds = Date.UTC(2000 + Number(yy), Number(mo) - 1, Number(dd), Number(hh), Number(mi), Number(ss)) / 1000;
      headers.push({ end: Number(end), seconds, description: description ?? '', checksummed: crc !== undefined, line: i });
    }
  }
  if (ats.length !== headers.length) throw new Error(`${file}: ${ats.length} "# at" lines but ${headers.length} event headers`);
  const printed = headers.map((h, i) => ({ at: ats[i]!, end: h.end, seconds: h.seconds, description: h.description, line: h.line }));
  // Events unpacked from a compressed Transaction_payload are printed too, at and ending at its end.
  // MariaDB 11.4+ prints end_log_pos 0 for the events it wrote from a transaction's cache: those are in the file.
  const events = printed.filter((e) => e.end > e.at || (flavor === 'mariadb' && e.end === 0));

  const commentsAfter = (line: number): string[] => {
    const out: string[] = [];
    for (let i = line + 1; i < lines.length && !lines[i]!.startsWith('# at '); i++) out.push(lines[i]!);
    return out;
  };
  let previousGtids = '';
  let rotateTo: string | null = null;
  const starts: { index: number; gtid: string; commitMicros: number; declaredLength: number | undefined }[] = [];
  for (const [index, h] of events.entries()) {
    const after = commentsAfter(h.line);
    if (h.description.startsWith('Previous-GTIDs')) {
      const text = after
        .filter((l) => l.startsWith('# '))
        .map((l) => l.slice(2).trim())
        .join('');
      previousGtids = text === '[empty]' ? '' : text;
    } else if (h.description.startsWith('Gtid list [')) {
      const text = [h.description, ...after.filter((l) => l.startsWith('# '))].join('').replace(/^Gtid list \[|\]$|# /g, '');
      previousGtids = text.replace(/\s/g, '');
    } else if (h.description.startsWith('Rotate to ')) {
      rotateTo = /^Rotate to (\S+)/.exec(h.description)![1]!;
    } else if (flavor === 'mysql' && /^GTID\t/.test(h.description)) {
      const gtid = /GTID_NEXT= '([^']+)'/.exec(after.join('\n'))![1]!;
      const commit = /# immediate_commit_timestamp=(\d+)/.exec(after.join('\n'))![1]!;
      const declared = /transaction_length=(\d+)/.exec(h.description);
      starts.push({ index, gtid, commitMicros: Number(commit), declaredLength: declared ? Number(declared[1]) : undefined });
    } else if (flavor === 'mariadb' && /^GTID \d+-\d+-\d+/.test(h.description)) {
      starts.push({ index, gtid: /^GTID (\S+)/.exec(h.description)![1]!, commitMicros: 0, declaredLength: undefined });
    }
  }
  const isBoundary = (d: string): boolean =>
    /^GTID[\t ]/.test(d) || d.startsWith('Binlog checkpoint') || d.startsWith('Rotate to') || d.startsWith('Stop');
  const transactions = starts.map((s) => {
    let last = s.index;
    while (last + 1 < events.length && !isBoundary(events[last + 1]!.description)) last++;
    const lastEvent = events[last]!;
    return {
      gtid: s.gtid,
      start: events[s.index]!.at,
      end: lastEvent.end,
      commitMicros: flavor === 'mysql' ? s.commitMicros : lastEvent.seconds * 1_000_000,
      declaredLength: s.declaredLength,
    };
  });
  return {
    events: events.map(({ at, end, seconds, description }) => ({ at, end, seconds, description })),
    previousGtids,
    transactions,
    rotateTo,
    checksummed: headers.slice(1).some((h) => h.checksummed),
  };
}
