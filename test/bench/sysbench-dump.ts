import { closeSync, existsSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from '../../adapters/servers/toolchain';

const TABLES = 4;
/** mysqldump's default --net-buffer-length: an extended INSERT stops growing near it. */
const STATEMENT_BYTES = 1024 * 1024;
const ZERO = 0x30;
const DASH = 0x2d;

/**
 * A mysqldump of sysbench's oltp schema, about `bytes` long: 4 tables `sbtest1..4` (id, k,
 * c, pad) in extended INSERTs. `c` and `pad` are uniformly random digit groups as sysbench
 * writes them (10 and 5 groups of 11 digits), which is what makes production-like dumps
 * compress only about 2x with zstd -3. Deterministic, written once per size into
 * ~/.cache/pitr/bench.
 */
export function ensureSysbenchDump(bytes: number): string {
  const dir = join(cacheDir(), 'bench');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `sysbench-dump-${bytes}-v1.sql`);
  if (existsSync(file)) return file;
  const partial = `${file}.partial`;
  const fd = openSync(partial, 'w');
  try {
    const writer = new DumpWriter(fd, 0x2545f491);
    writer.text(PREAMBLE);
    for (let table = 1; table <= TABLES; table++) writer.table(`sbtest${table}`, bytes / TABLES);
    writer.text(POSTAMBLE);
    writer.flush();
  } finally {
    closeSync(fd);
  }
  renameSync(partial, file);
  return file;
}

const PREAMBLE = `-- MySQL dump 10.13  Distrib 9.7.0, for Linux (x86_64)
--
-- Host: localhost    Database: sbtest
-- ------------------------------------------------------
-- Server version\t9.7.0

/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
/*!50503 SET NAMES utf8mb4 */;
/*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE */;
/*!40103 SET TIME_ZONE='+00:00' */;
/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;
/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;
`;

const POSTAMBLE = `/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;
/*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */;
/*!40014 SET UNIQUE_CHECKS=@OLD_UNIQUE_CHECKS */;
/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;

-- Dump completed
`;

function tableHead(name: string): string {
  return `
--
-- Table structure for table \`${name}\`
--

DROP TABLE IF EXISTS \`${name}\`;
CREATE TABLE \`${name}\` (
  \`id\` int NOT NULL AUTO_INCREMENT,
  \`k\` int NOT NULL DEFAULT '0',
  \`c\` char(120) NOT NULL DEFAULT '',
  \`pad\` char(60) NOT NULL DEFAULT '',
  PRIMARY KEY (\`id\`),
  KEY \`k_1\` (\`k\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci;

LOCK TABLES \`${name}\` WRITE;
/*!40000 ALTER TABLE \`${name}\` DISABLE KEYS */;
`;
}

function tableTail(name: string): string {
  return `/*!40000 ALTER TABLE \`${name}\` ENABLE KEYS */;\nUNLOCK TABLES;\n`;
}

/** Writes bytes straight into a reused buffer: generating 800 MB as strings would take minutes. */
class DumpWriter {
  private readonly buffer = Buffer.allocUnsafe(4 * 1024 * 1024);
  private used = 0;

  constructor(
    private readonly fd: number,
    private state: number,
  ) {}

  table(name: string, quota: number): void {
    this.text(tableHead(name));
    const head = `INSERT INTO \`${name}\` VALUES `;
    // sysbench draws k uniformly from 1..table size; estimate the size from the ~190-byte rows.
    const rows = Math.max(1, Math.round(quota / 190));
    let written = 0;
    for (let id = 1; written < quota; ) {
      this.text(head);
      let statement = head.length;
      for (let first = true; statement < STATEMENT_BYTES && written + statement < quota; first = false) {
        statement += this.row(id++, 1 + (this.next() % rows), first);
      }
      this.text(';\n');
      written += statement + 2;
    }
    this.text(tableTail(name));
  }

  text(text: string): void {
    this.reserve(Buffer.byteLength(text));
    this.used += this.buffer.write(text, this.used, 'latin1');
  }

  flush(): void {
    if (this.used > 0) writeSync(this.fd, this.buffer, 0, this.used);
    this.used = 0;
  }

  /** `(id,k,'c','pad')`, with a leading comma unless first; returns its length. */
  private row(id: number, k: number, first: boolean): number {
    this.reserve(256);
    const start = this.used;
    this.text(`${first ? '' : ','}(${id},${k},'`);
    this.digitGroups(10);
    this.text("','");
    this.digitGroups(5);
    this.text("')");
    return this.used - start;
  }

  private digitGroups(groups: number): void {
    const out = this.buffer;
    let at = this.used;
    for (let group = 0; group < groups; group++) {
      if (group > 0) out[at++] = DASH;
      for (let digit = 0; digit < 11; digit++) out[at++] = ZERO + (this.next() % 10);
    }
    this.used = at;
  }

  private reserve(bytes: number): void {
    if (this.used + bytes > this.buffer.length) this.flush();
  }

  /** xorshift32: deterministic, and fast enough to draw every digit. */
  private next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }
}
