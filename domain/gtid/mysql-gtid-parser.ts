import type { GnoInterval } from './gno-intervals';
import { MAX_GNO, TAG_PATTERN, UUID_PATTERN, isWordChar, sourceKey, tagProblem, uuidProblem } from './mysql-source';
import { TextScanner, isDigit, isSpace } from './text-scanner';

/**
 * Reads MySQL's GTID set text into intervals per source key (not yet sorted or merged).
 * Grammar, as MySQL 8.3+ reads it: entries `uuid(:tag|:interval)+` separated by commas, where a
 * tag applies to the intervals after it, with spaces allowed between tokens. Stricter than the
 * server, which silently ignores `5-3`, stray commas and tags without intervals: those are
 * refused here because they are always a mistake in what was copied.
 */
export function parseMysqlGtidText(text: string): Map<string, GnoInterval[]> {
  const scanner = new TextScanner(text, 'GTID set');
  const intervalsBySource = new Map<string, GnoInterval[]>();
  scanner.skipSpace();
  if (scanner.atEnd()) return intervalsBySource;
  for (;;) {
    readEntry(scanner, intervalsBySource);
    scanner.skipSpace();
    if (scanner.atEnd()) return intervalsBySource;
    if (scanner.peek() !== ',') scanner.failUnexpected('":", "," or the end');
    const comma = scanner.pos;
    scanner.advance();
    scanner.skipSpace();
    if (scanner.atEnd()) scanner.fail(comma, 'trailing comma: a GTID set cannot end with ","');
  }
}

function readEntry(scanner: TextScanner, intervalsBySource: Map<string, GnoInterval[]>): void {
  const uuidStart = scanner.pos;
  const uuidToken = scanner.readWhile((c) => c !== ':' && c !== ',' && !isSpace(c));
  if (uuidToken === '') {
    scanner.fail(uuidStart, scanner.peek() === ',' ? 'empty entry between two commas' : 'expected a UUID');
  }
  if (!UUID_PATTERN.test(uuidToken)) scanner.fail(uuidStart, uuidProblem(uuidToken));
  const uuid = uuidToken.toLowerCase();
  scanner.skipSpace();
  if (scanner.peek() !== ':') scanner.fail(scanner.pos, `UUID "${uuid}" has no intervals: expected ":" after it`);
  let tag = '';
  let tagWithoutIntervals: { name: string; pos: number } | undefined;
  do {
    scanner.advance();
    scanner.skipSpace();
    const c = scanner.peek();
    if (isDigit(c)) {
      const key = sourceKey(uuid, tag);
      const list = intervalsBySource.get(key) ?? [];
      list.push(readInterval(scanner));
      intervalsBySource.set(key, list);
      tagWithoutIntervals = undefined;
    } else if (c !== undefined && isWordChar(c)) {
      if (tagWithoutIntervals) scanner.fail(tagWithoutIntervals.pos, `tag "${tagWithoutIntervals.name}" has no intervals`);
      const pos = scanner.pos;
      const name = scanner.readWhile((ch) => ch !== ':' && ch !== ',' && !isSpace(ch));
      if (!TAG_PATTERN.test(name)) scanner.fail(pos, tagProblem(name));
      tag = name.toLowerCase();
      tagWithoutIntervals = { name, pos };
    } else {
      scanner.fail(scanner.pos, `empty interval: expected a number or a tag after ":"${c === undefined ? '' : `, found "${c}"`}`);
    }
    scanner.skipSpace();
  } while (scanner.peek() === ':');
  if (tagWithoutIntervals) scanner.fail(tagWithoutIntervals.pos, `tag "${tagWithoutIntervals.name}" has no intervals`);
}

function readInterval(scanner: TextScanner): GnoInterval {
  const start = scanner.pos;
  const startDigits = scanner.readWhile(isDigit);
  const afterStart = scanner.pos;
  scanner.skipSpace();
  if (scanner.peek() !== '-') {
    scanner.pos = afterStart;
    const gno = checkedGno(scanner, start, startDigits, startDigits);
    return { start: gno, end: gno };
  }
  scanner.advance();
  scanner.skipSpace();
  const endPos = scanner.pos;
  const endDigits = scanner.readWhile(isDigit);
  if (endDigits === '') scanner.failUnexpected('the number ending the interval after "-"');
  const shown = scanner.text.slice(start, scanner.pos);
  const first = checkedGno(scanner, start, startDigits, shown);
  const last = checkedGno(scanner, endPos, endDigits, shown);
  if (last < first) scanner.fail(start, `interval "${shown}" has its end before its start`);
  return { start: first, end: last };
}

function checkedGno(scanner: TextScanner, pos: number, digits: string, interval: string): bigint {
  const gno = BigInt(digits);
  if (gno < 1n || gno > MAX_GNO) {
    const where = interval === digits ? '' : ` in interval "${interval}"`;
    scanner.fail(pos, `GNO ${digits}${where} is outside 1..${MAX_GNO}`);
  }
  return gno;
}
