import { MAX_MARIADB_DOMAIN_ID, MAX_MARIADB_SEQ, MAX_MARIADB_SERVER_ID, mariadbGtidText, type MariadbGtid } from './mariadb-gtid';
import { GtidParseError, type MariadbTextKind } from './errors';
import { TextScanner, isSpace } from './text-scanner';

const GTID_PATTERN = /^(\d+)-(\d+)-(\d+)$/;

/**
 * Reads a MariaDB GTID position (`gtid_binlog_pos`, `gtid_current_pos`, `gtid_slave_pos`):
 * `domain-server-seq` entries separated by commas, spaces allowed around entries as the
 * server allows them, at most one entry per domain.
 */
export function parseMariadbPositionText(text: string): MariadbGtid[] {
  const byDomain = new Map<number, MariadbGtid>();
  for (const { gtid, at } of readEntries(text, 'MariaDB GTID position')) {
    const previous = byDomain.get(gtid.domain);
    if (previous) {
      throw new GtidParseError(
        'MariaDB GTID position',
        at,
        `domain ${gtid.domain} appears twice ("${mariadbGtidText(previous)}" and "${mariadbGtidText(gtid)}"): a position holds one GTID per domain`,
      );
    }
    byDomain.set(gtid.domain, gtid);
  }
  return [...byDomain.values()];
}

/**
 * Reads a MariaDB binlog state (`gtid_binlog_state`, a binlog's Gtid list): the same entries
 * as a position, but a domain may appear once per server id that wrote in it. Returns the
 * entries in the order written, which carries meaning: the server lists each domain's most
 * recent GTID last.
 */
export function parseMariadbStateText(text: string): MariadbGtid[] {
  return readEntries(text, 'MariaDB GTID list').map(({ gtid }) => gtid);
}

function readEntries(text: string, kind: MariadbTextKind): { gtid: MariadbGtid; at: number }[] {
  const scanner = new TextScanner(text, kind);
  const entries: { gtid: MariadbGtid; at: number }[] = [];
  scanner.skipSpace();
  if (scanner.atEnd()) return entries;
  for (;;) {
    const at = scanner.pos;
    entries.push({ gtid: readGtid(scanner), at });
    scanner.skipSpace();
    if (scanner.atEnd()) return entries;
    if (scanner.peek() !== ',') scanner.failUnexpected('"," or the end');
    const comma = scanner.pos;
    scanner.advance();
    scanner.skipSpace();
    if (scanner.atEnd()) scanner.fail(comma, `trailing comma: a ${kind.slice('MariaDB '.length)} cannot end with ","`);
  }
}

function readGtid(scanner: TextScanner): MariadbGtid {
  const start = scanner.pos;
  const token = scanner.readWhile((c) => c !== ',' && !isSpace(c));
  if (token === '') scanner.fail(start, 'empty entry between two commas');
  if (token.includes(':')) {
    scanner.fail(start, `"${token}" is a MySQL GTID (uuid:interval), not a MariaDB domain-server-sequence: use the mysql flavor`);
  }
  const match = GTID_PATTERN.exec(token);
  if (!match) scanner.fail(start, `"${token}" is not a MariaDB GTID (domain-server-sequence, decimal numbers)`);
  const [, domainDigits = '', serverDigits = '', seqDigits = ''] = match;
  const domain = BigInt(domainDigits);
  const server = BigInt(serverDigits);
  const seq = BigInt(seqDigits);
  if (domain > BigInt(MAX_MARIADB_DOMAIN_ID))
    scanner.fail(start, `domain id ${domainDigits} in "${token}" is above ${MAX_MARIADB_DOMAIN_ID}`);
  if (server > BigInt(MAX_MARIADB_SERVER_ID))
    scanner.fail(start, `server id ${serverDigits} in "${token}" is above ${MAX_MARIADB_SERVER_ID}`);
  if (seq === 0n) scanner.fail(start, `sequence number 0 in "${token}" is never assigned to a transaction (they start at 1)`);
  if (seq > MAX_MARIADB_SEQ) scanner.fail(start, `sequence number ${seqDigits} in "${token}" is above ${MAX_MARIADB_SEQ}`);
  return { domain: Number(domain), server: Number(server), seq };
}
